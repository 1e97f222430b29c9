// Optional: refresh the lesson preview while typing. Without this file the Preview button does the same.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("lesson-form");
  const output = document.getElementById("preview-output");
  if (!form || !output || !form.dataset.previewUrl || !window.fetch) return;
  let timer = null;
  let sent = 0;
  const refresh = async () => {
    const mine = ++sent;
    const token = form.querySelector("input[name=csrf_token]");
    try {
      const response = await fetch(form.dataset.previewUrl, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: token ? {"X-CSRFToken": token.value} : {},
      });
      if (response.ok && mine === sent) output.innerHTML = await response.text();  // rendered and sanitised by the server
    } catch (error) { /* offline: the Preview button still works */ }
  };
  form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(refresh, 700); });
});

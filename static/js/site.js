// Optional enhancements only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Submit the language switch as soon as a language is chosen.
  const select = document.querySelector(".locale-switch select");
  if (select) {
    select.addEventListener("change", () => select.form.submit());
  }
});

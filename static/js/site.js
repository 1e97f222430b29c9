// Optional enhancements only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Submit the language switch as soon as a language is picked with the mouse or a finger. Not from the
  // keyboard: arrowing through a closed list fires "change" at every step in some browsers, and the page would
  // reload in another language before the person has chosen (WCAG 3.2.2); they use the Change button instead.
  const select = document.querySelector(".locale-switch select");
  if (select) {
    let pointer = false;
    select.addEventListener("pointerdown", () => { pointer = true; });
    select.addEventListener("keydown", () => { pointer = false; });
    select.addEventListener("change", () => { if (pointer) select.form.submit(); });
  }

  // On a phone a wide table in the content scrolls sideways inside itself (site.css). While it does, it takes
  // the keyboard focus, so that it can be scrolled with the arrow keys too.
  const tables = document.querySelectorAll(".lesson-body table, .quiz-explanation table, .glossary table, .statute-body table");
  const update = () => tables.forEach((table) => {
    if (table.scrollWidth > table.clientWidth + 1) table.tabIndex = 0;
    else table.removeAttribute("tabindex");
  });
  if (tables.length) {
    update();
    window.addEventListener("resize", update);
  }
});

/* Behaviour that every page shares, kept out of the markup for the Content-Security-Policy. */
document.querySelectorAll("[data-submit-on-change]").forEach(function (field) {
  field.addEventListener("change", function () { field.form.submit(); });
});
document.querySelectorAll("[data-select-on-click]").forEach(function (field) {
  field.addEventListener("click", function () { field.select(); });
});
// A list's "tick every row on this page" box.
document.querySelectorAll("[data-tick-all]").forEach(function (box) {
  box.addEventListener("change", function () {
    document.querySelectorAll("input[name=ids][form=" + box.dataset.tickAll + "]")
      .forEach(function (row) { row.checked = box.checked; });
  });
});
// The phone's menu button: shown only when this script runs, so without it the menu stays open.
// Escape closes the menu and gives the focus back to the button, as a keyboard user expects.
document.querySelectorAll(".menu-toggle").forEach(function (button) {
  var menu = document.getElementById(button.getAttribute("aria-controls"));
  function show(open) {
    button.setAttribute("aria-expanded", String(open));
    menu.classList.toggle("open", open);
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    show(button.getAttribute("aria-expanded") !== "true");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      show(false);
      button.focus();
    }
  });
});

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

/* Behaviour that every page shares, kept out of the markup for the Content-Security-Policy. */
document.querySelectorAll("[data-submit-on-change]").forEach(function (field) {
  field.addEventListener("change", function () { field.form.submit(); });
});
document.querySelectorAll("[data-select-on-click]").forEach(function (field) {
  field.addEventListener("click", function () { field.select(); });
});

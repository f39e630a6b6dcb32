/* The refresh runs inside the request and takes a while: say so, and prevent a second click. */
document.querySelectorAll("form.refresh-form").forEach(function (form) {
  form.addEventListener("submit", function () {
    var button = form.querySelector("button");
    button.disabled = true;
    button.textContent = button.dataset.busy;
  });
});

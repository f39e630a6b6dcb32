// "Add line" without a round trip: a copy of the empty line, numbered as the formset
// expects. Without JavaScript the same button posts the form and the page comes back
// with one more line.
document.addEventListener("DOMContentLoaded", () => {
  const button = document.querySelector(".order-form .add-line");
  const template = document.getElementById("empty-line");
  const total = document.querySelector("input[name='lines-TOTAL_FORMS']");
  const lines = document.getElementById("lines");
  if (!button || !template || !total || !lines) return;
  button.addEventListener("click", (event) => {
    event.preventDefault();
    const index = Number(total.value);
    const html = template.innerHTML.replaceAll("__prefix__", String(index));
    lines.insertAdjacentHTML("beforeend", html);
    const legend = lines.lastElementChild.querySelector("legend");
    if (legend) legend.textContent = legend.textContent.trim() + " " + (index + 1);
    total.value = String(index + 1);
    lines.lastElementChild.querySelector("input:not([type=hidden])")?.focus();
  });
});

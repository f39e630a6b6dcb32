// The audience page's live count: ask the server how many customers the filters match.
(function () {
  "use strict";
  const form = document.getElementById("audience-form");
  const out = document.getElementById("audience-count");
  if (!form || !out) return;
  let timer = null;
  function update() {
    const data = new FormData(form);
    const query = new URLSearchParams();
    for (const [name, value] of data) {
      if (!name.startsWith("audience-") && name !== "csrfmiddlewaretoken" && value !== "") {
        query.append(name, value);
      }
    }
    fetch(out.dataset.url + "?" + query.toString(), {credentials: "same-origin"})
      .then((response) => response.json())
      .then((body) => {
        if (body.count !== null && body.count !== undefined) {
          out.textContent = out.dataset.label.replace("%s", body.count.toLocaleString());
        }
      })
      .catch(() => {});
  }
  form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(update, 300); });
  form.addEventListener("change", () => { clearTimeout(timer); timer = setTimeout(update, 100); });
})();

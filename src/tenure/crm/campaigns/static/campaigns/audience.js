// The audience page's live count: ask the server how many customers the filters match.
(function () {
  "use strict";
  const form = document.getElementById("audience-form");
  const out = document.getElementById("audience-count");
  if (!form || !out) return;
  let timer = null;
  // Only the latest question is answered: an earlier request that comes back later (a slow
  // first count while the filters were still being typed) would show a stale count.
  let latest = null;
  function update() {
    const data = new FormData(form);
    const query = new URLSearchParams();
    for (const [name, value] of data) {
      if (!name.startsWith("audience-") && name !== "csrfmiddlewaretoken" && value !== "") {
        query.append(name, value);
      }
    }
    if (latest) latest.abort();
    const asked = latest = new AbortController();
    fetch(out.dataset.url + "?" + query.toString(),
          {credentials: "same-origin", signal: asked.signal})
      .then((response) => response.json())
      .then((body) => {
        if (asked !== latest) return;
        if (body.count !== null && body.count !== undefined) {
          out.textContent = out.dataset.label.replace("%s", body.count.toLocaleString());
        }
      })
      .catch(() => {});
  }
  // This script is deferred: what was typed before it ran raised no event (and a form
  // restored by the back button holds values the page's count was not made for).
  update();
  form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(update, 300); });
  form.addEventListener("change", () => { clearTimeout(timer); timer = setTimeout(update, 100); });
})();

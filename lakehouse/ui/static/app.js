// lakehouse ui: draws the Vega-Lite charts a page or an htmx fragment carries, and downloads SQL results as CSV.
// Specs sit in data-spec attributes (JSON, HTML-escaped by the server); data is inline, nothing is fetched.
(function () {
  "use strict";
  function draw(root) {
    var boxes = Array.prototype.slice.call(root.querySelectorAll(".chart"));
    if (root.matches && root.matches(".chart")) { boxes.push(root); }  // htmx hands over each new top element
    boxes.forEach(function (box) {
      if (box.dataset.drawn) { return; }
      box.dataset.drawn = "1";
      var target = document.createElement("div");
      box.appendChild(target);
      vegaEmbed(target, JSON.parse(box.dataset.spec), { actions: false, renderer: "svg" })
        .catch(function (err) { target.textContent = "chart not drawn: " + err; });
    });
  }
  function csv(button) {
    var form = button.form || document.getElementById("sql-form");
    var data = new FormData(form);
    data.set("format", "csv");
    fetch("/sql", { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok || response.headers.get("content-type").indexOf("text/csv") !== 0) {
          return response.text().then(function (html) {
            document.getElementById("sql-result").innerHTML = html;
          });
        }
        return response.blob().then(function (blob) {
          var link = document.createElement("a");
          link.href = URL.createObjectURL(blob);
          link.download = "result.csv";
          document.body.appendChild(link);
          link.click();
          link.remove();
        });
      });
  }
  document.addEventListener("click", function (event) {
    if (event.target && event.target.id === "sql-csv") { csv(event.target); }
  });
  // a facet link swaps in narrowed results: the search box shows the query they are for (not while typing)
  function sync(root) {
    var found = root.matches && root.matches("[data-q]") ? root : root.querySelector && root.querySelector("[data-q]");
    var box = document.getElementById("q");
    if (found && box && document.activeElement !== box) { box.value = found.dataset.q; }
  }
  htmx.onLoad(draw);
  htmx.onLoad(sync);
})();

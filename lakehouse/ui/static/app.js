// lakehouse ui: draws the Vega-Lite charts a page or an htmx fragment carries, and downloads SQL results as CSV.
// Specs sit in <script type="application/json"> elements (never executed); data is inline, nothing is fetched.
(function () {
  "use strict";
  function draw(root) {
    root.querySelectorAll(".chart").forEach(function (box) {
      if (box.dataset.drawn) { return; }
      box.dataset.drawn = "1";
      var source = box.querySelector("script[type='application/json']");
      var target = document.createElement("div");
      box.appendChild(target);
      vegaEmbed(target, JSON.parse(source.textContent), { actions: false, renderer: "svg" })
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
  htmx.onLoad(draw);
})();

// sodo web: draws the charts whose specification a page carries as JSON data
// (<script type="application/json" id="…-spec">), so no page needs an inline script.
(function () {
  "use strict";
  function draw() {
    if (typeof window.Plotly === "undefined") { return; }
    document.querySelectorAll("div[data-chart]").forEach(function (div) {
      var source = document.getElementById(div.getAttribute("data-chart"));
      if (!source || div.getAttribute("data-drawn")) { return; }
      var spec = JSON.parse(source.textContent);
      div.setAttribute("data-drawn", "1");
      window.Plotly.newPlot(div, spec.data || [], spec.layout || {}, spec.config || {});
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();

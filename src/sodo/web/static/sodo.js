// sodo web: small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Pickers submit on change when chosen with the pointer. Arrow keys also fire "change", so
  // keyboard users are not sent to a new page on every key: they press the Show button
  // (WCAG 3.2.2, a change of context only on request).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
    var byKeyboard = false;
    el.addEventListener("keydown", function () { byKeyboard = true; });
    el.addEventListener("pointerdown", function () { byKeyboard = false; });
    el.addEventListener("change", function () {
      if (!byKeyboard && el.form) { el.form.submit(); }
    });
  });
  // A form shown again with errors: put the keyboard on the first field to fix.
  var invalid = document.querySelector("[aria-invalid=true]");
  if (invalid) { invalid.focus(); }
  // Phone-width menu.
  var toggle = document.querySelector(".menu-toggle");
  if (toggle) {
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", String(!open));
      document.body.classList.toggle("nav-open", !open);
    });
  }
  // Narrow screens show "stack" tables as one block per row; each cell is labelled with its
  // column's header (CSS reads data-label).
  document.querySelectorAll("table.stack").forEach(function (table) {
    var headers = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.prototype.forEach.call(row.children, function (cell, i) {
        if (headers[i]) { cell.setAttribute("data-label", headers[i]); }
      });
    });
  });
  // Clicking a province on a map opens its page (customdata holds the unit code).
  document.querySelectorAll("[data-click-units] .plotly-graph-div").forEach(function (div) {
    function bind() {
      if (typeof div.on !== "function") { return false; }
      div.on("plotly_click", function (ev) {
        var point = ev && ev.points && ev.points[0];
        var code = point && (point.customdata || point.location);
        if (code) { window.location.href = "/units/" + encodeURIComponent(code); }
      });
      return true;
    }
    if (!bind()) {
      var tries = 0;
      var timer = setInterval(function () { if (bind() || ++tries > 50) { clearInterval(timer); } }, 100);
    }
  });
})();

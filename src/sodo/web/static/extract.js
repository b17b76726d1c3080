// Trích xuất nhiệm vụ: link each proposal to its span in the text, show the names of the unit
// codes typed in a picker, grey out a rejected proposal. The page works without this file.
(function () {
  "use strict";
  var mapNode = document.getElementById("unit-map");
  var names = {};
  if (mapNode) {
    JSON.parse(mapNode.textContent).forEach(function (u) { names[u.code] = u.name; });
  }
  function showNames(input) {
    var out = document.querySelector('.picked[data-for="' + input.id + '"]');
    if (!out) { return; }
    out.textContent = "";
    input.value.split(",").map(function (s) { return s.trim(); }).filter(Boolean)
      .forEach(function (code, i) {
        var span = document.createElement("span");
        var known = Object.prototype.hasOwnProperty.call(names, code);
        span.textContent = (i ? ", " : "") + (known ? names[code] : code + " ?");
        if (!known) { span.className = "bad"; }
        out.appendChild(span);
      });
  }
  document.querySelectorAll("input[data-picker]").forEach(function (input) {
    showNames(input);
    input.addEventListener("input", function () { showNames(input); });
  });
  function mark(n) { return document.getElementById("span-" + n); }
  document.querySelectorAll("fieldset.proposal").forEach(function (box) {
    var n = box.getAttribute("data-n");
    box.addEventListener("focusin", function () {
      document.querySelectorAll("mark.span.active").forEach(function (m) { m.classList.remove("active"); });
      var m = mark(n);
      if (m) { m.classList.add("active"); }
    });
    box.querySelectorAll('input[type=radio]').forEach(function (radio) {
      radio.addEventListener("change", function () {
        var decision = radio.value;
        box.classList.toggle("reject", decision === "reject");
        box.classList.toggle("accept", decision === "accept");
        var m = mark(n);
        if (m) { m.classList.toggle("reject", decision === "reject"); }
      });
    });
  });
  document.querySelectorAll("mark.span").forEach(function (m) {
    m.addEventListener("click", function () {
      var box = document.getElementById("proposal-" + m.getAttribute("data-n"));
      if (box) { box.scrollIntoView({block: "start"}); var f = box.querySelector("textarea"); if (f) { f.focus(); } }
    });
  });
  document.querySelectorAll("a.show-span").forEach(function (a) {
    a.addEventListener("click", function (ev) {
      var m = mark(a.getAttribute("data-n"));
      if (!m) { return; }
      ev.preventDefault();
      document.querySelectorAll("mark.span.active").forEach(function (x) { x.classList.remove("active"); });
      m.classList.add("active");
      m.scrollIntoView({block: "center"});
    });
  });
})();

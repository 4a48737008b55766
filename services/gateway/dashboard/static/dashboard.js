// The dashboard's only script, and none of it is needed: group options follow the chosen
// segment, and tables wider than their box show that they scroll sideways.
(function () {
  "use strict";

  function followSegment(form) {
    var known = JSON.parse(form.getAttribute("data-groups") || "{}");
    var by = form.querySelector("#by");
    if (!by) { return; }
    var lists = [[form.querySelector("#group"), "Everyone"], [form.querySelector("#compare"), "Nobody"]];

    function fill(options) {
      lists.forEach(function (pair) {
        var select = pair[0];
        if (!select) { return; }
        select.replaceChildren(new Option(pair[1], ""));
        options.forEach(function (option) { select.append(new Option(option[1], option[0])); });
      });
    }

    by.addEventListener("change", function () {
      var chosen = by.value;
      fill(known[chosen] || []);
      if (known[chosen]) { return; }
      form.setAttribute("aria-busy", "true");
      fetch(form.getAttribute("data-groups-url") + "?by=" + encodeURIComponent(chosen),
            {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (answer) { return answer.ok ? answer.json() : {options: []}; })
        .then(function (body) {
          known[chosen] = body.options || [];
          if (by.value === chosen) { fill(known[chosen]); }
        })
        .catch(function () { /* the server names a group that is not in the segment */ })
        .then(function () { form.removeAttribute("aria-busy"); });
    });
  }

  function markScrolling() {
    document.querySelectorAll(".scroll").forEach(function (box) {
      var hint = box.previousElementSibling;
      if (hint && hint.classList.contains("scroll-hint")) {
        hint.hidden = box.scrollWidth <= box.clientWidth + 1;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("filters");
    if (form) { followSegment(form); }
    markScrolling();
    window.addEventListener("resize", markScrolling);
    document.addEventListener("toggle", markScrolling, true);
  });
}());

// Progressive enhancement only: every feature works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // Ask before destructive actions.
  document.querySelectorAll("form.confirm").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.dataset.confirm || "Are you sure?")) e.preventDefault();
    });
  });
  // Filter as soon as a select changes.
  var filters = document.getElementById("filters");
  if (filters) {
    filters.querySelectorAll("select").forEach(function (s) {
      s.addEventListener("change", function () { filters.submit(); });
    });
  }
  // Whole rows open the message.
  document.querySelectorAll("table.list tr.row").forEach(function (tr) {
    var a = tr.querySelector("a.open");
    if (!a) return;
    tr.style.cursor = "pointer";
    tr.addEventListener("click", function (e) {
      if (e.target.tagName !== "A") window.location = a.href;
    });
  });
});

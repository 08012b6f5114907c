// Progressive enhancement only: every feature works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // Ask before destructive actions.
  document.querySelectorAll("form.confirm").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.dataset.confirm || "Are you sure?")) e.preventDefault();
    });
  });
  // Forms that wait on the next mail server (release) say so and cannot
  // be sent twice: the buttons are disabled once the browser has the form.
  document.querySelectorAll("form.busy-form").forEach(function (f) {
    var sent = false;
    f.addEventListener("submit", function (e) {
      if (e.defaultPrevented) return;
      if (sent) { e.preventDefault(); return; }
      sent = true;
      var msg = f.querySelector(".busy");
      if (msg) { msg.textContent = f.dataset.busy || "Working…"; msg.hidden = false; }
      f.classList.add("is-busy");
      setTimeout(function () {
        f.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      }, 0);
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

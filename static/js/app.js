// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
  // On a phone the stylesheet stacks table rows into cards; each cell then shows
  // its column's heading beside it (read from the table's own header row).
  Array.prototype.forEach.call(document.querySelectorAll("table"), function (table) {
    var heads = table.querySelectorAll("thead th");
    if (!heads.length) { return; }
    Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (row) {
      Array.prototype.forEach.call(row.children, function (cell, i) {
        var head = heads[i];
        var label = head ? head.textContent.trim() : "";
        if (label && !cell.hasAttribute("data-label")) {
          cell.setAttribute("data-label", label);
        }
      });
    });
  });
  // Send the CSRF token with fetch() calls made by later pages.
  var meta = document.querySelector('meta[name="csrf-token"]');
  window.desaCsrfToken = meta ? meta.getAttribute("content") : "";
})();

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
  // Send the CSRF token with fetch() calls made by later pages.
  var meta = document.querySelector('meta[name="csrf-token"]');
  window.desaCsrfToken = meta ? meta.getAttribute("content") : "";
})();

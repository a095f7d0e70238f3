// Live preview of a letter type: re-submits the form into the preview frame
// (a DRAFT PDF from the preview endpoint) a moment after the admin stops typing.
(function () {
  "use strict";
  var form = document.getElementById("type-form");
  var button = document.getElementById("preview-button");
  if (!form || !button) {
    return;
  }
  var timer = null;
  function refresh() {
    timer = null;
    button.click();
  }
  function schedule() {
    if (timer) {
      window.clearTimeout(timer);
    }
    timer = window.setTimeout(refresh, 900);
  }
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", refresh);
  } else {
    refresh();
  }
})();

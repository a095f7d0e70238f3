// Check-in: scans a ticket's QR code with the laptop camera where the browser has
// the BarcodeDetector API, fills in the code and sends the form. Typing the code
// always works without this file.
(function () {
  "use strict";
  var start = document.getElementById("scan-start");
  if (!start || !("BarcodeDetector" in window) || !window.isSecureContext ||
      !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return;
  }
  var box = document.getElementById("scan-box");
  var video = document.getElementById("scan-video");
  var status = document.getElementById("scan-status");
  var stop = document.getElementById("scan-stop");
  var input = document.getElementById("code");
  var form = document.getElementById("check-in-form");
  var texts = {};
  var tpl = document.getElementById("scan-texts");
  if (tpl) {
    Array.prototype.forEach.call(tpl.content.querySelectorAll("[data-k]"), function (el) {
      texts[el.getAttribute("data-k")] = el.textContent;
    });
  }
  var stream = null;
  var timer = null;
  var detector = null;

  function close() {
    if (timer) { window.clearTimeout(timer); timer = null; }
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    box.hidden = true;
  }

  function look() {
    detector.detect(video).then(function (codes) {
      var found = codes.length ? codes[0].rawValue : "";
      if (found) {
        input.value = found;
        close();
        form.submit();
        return;
      }
      timer = window.setTimeout(look, 250);
    }).catch(function () { timer = window.setTimeout(look, 500); });
  }

  window.BarcodeDetector.getSupportedFormats().then(function (formats) {
    if (formats.indexOf("qr_code") < 0) { return; }
    detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    start.hidden = false;
  });

  start.addEventListener("click", function () {
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        box.hidden = false;
        status.textContent = texts.looking || "";
        return video.play();
      })
      .then(look)
      .catch(function () {
        close();
        status.textContent = texts.denied || "";
        box.hidden = false;
      });
  });
  stop.addEventListener("click", close);
})();

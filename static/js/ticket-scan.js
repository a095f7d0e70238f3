// Reads a ticket's QR code with the camera where the browser has the
// BarcodeDetector API. `window.desaScanner(ids, onCode, options)` wires a start
// button, a box with a video, a status line and a stop button; typing the code
// always works without this file. The check-in page uses it to fill in the code
// and send the form; the offline check-in page to keep scanning.
(function () {
  "use strict";

  function readTexts(id) {
    var texts = {};
    var tpl = document.getElementById(id);
    if (tpl) {
      Array.prototype.forEach.call(tpl.content.querySelectorAll("[data-k]"), function (el) {
        texts[el.getAttribute("data-k")] = el.textContent;
      });
    }
    return texts;
  }

  // ids: {start, box, video, status, stop, texts}; onCode(code) → true to close.
  // A code seen again within `repeatMs` is one scan (the camera sees a ticket
  // many times a second).
  function scanner(ids, onCode, options) {
    var start = document.getElementById(ids.start);
    if (!start || !("BarcodeDetector" in window) || !window.isSecureContext ||
        !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return;
    }
    var box = document.getElementById(ids.box);
    var video = document.getElementById(ids.video);
    var status = document.getElementById(ids.status);
    var stop = document.getElementById(ids.stop);
    var texts = readTexts(ids.texts);
    var repeatMs = (options && options.repeatMs) || 4000;
    var stream = null, timer = null, detector = null;
    var last = "", lastAt = 0;

    function close() {
      if (timer) { window.clearTimeout(timer); timer = null; }
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
      box.hidden = true;
    }

    function look() {
      detector.detect(video).then(function (codes) {
        var found = codes.length ? codes[0].rawValue : "";
        if (found && (found !== last || Date.now() - lastAt > repeatMs)) {
          last = found;
          lastAt = Date.now();
          if (onCode(found)) { close(); return; }
        } else if (found) {
          lastAt = Date.now();
        }
        timer = window.setTimeout(look, 250);
      }).catch(function () { timer = window.setTimeout(look, 500); });
    }

    window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      if (formats.indexOf("qr_code") < 0) { return; }
      detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      start.hidden = false;
    }).catch(function () {});

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
  }

  window.desaScanner = scanner;

  // The ordinary check-in page: fill in the code and send the form.
  var form = document.getElementById("check-in-form");
  if (form && document.getElementById("scan-start")) {
    scanner(
      { start: "scan-start", box: "scan-box", video: "scan-video", status: "scan-status",
        stop: "scan-stop", texts: "scan-texts" },
      function (code) {
        document.getElementById("code").value = code;
        form.submit();
        return true;
      }
    );
  }
})();

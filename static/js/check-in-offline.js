// Check-in without a link. The page carries the session's bookings keyed by the
// SHA-256 of their ticket code; each scan (a USB or phone scanner types the code
// and Enter, or the camera reads the QR) is looked up here at once, kept in
// localStorage, and sent in batches whenever the server answers. A service
// worker keeps the page itself so that it opens again with no network.
(function () {
  "use strict";
  var dataEl = document.getElementById("check-in-data");
  var form = document.getElementById("scan-form");
  if (!dataEl || !form || !window.JSON || !window.localStorage) { return; }
  var data = JSON.parse(dataEl.textContent);
  var bookings = data.bookings || {};
  var input = document.getElementById("code");
  var verdict = document.getElementById("verdict");
  var verdictWord = document.getElementById("verdict-word");
  var verdictWho = document.getElementById("verdict-who");
  var syncLine = document.getElementById("sync");
  var recentList = document.getElementById("recent");
  var recentEmpty = document.getElementById("recent-empty");
  var KEY = "desa.check-in." + data.session;
  var BATCH = 50;
  var RETRY_MS = 15000;
  var TIMEOUT_MS = 20000;
  var KEEP_DAYS = 7;
  var texts = {};
  var tpl = document.getElementById("check-in-texts");
  Array.prototype.forEach.call(tpl.content.querySelectorAll("[data-k]"), function (el) {
    texts[el.getAttribute("data-k")] = el.textContent;
  });
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";

  function say(key, values) {
    return (texts[key] || "").replace(/\{(\w+)\}/g, function (_m, name) {
      return values && values[name] != null ? String(values[name]) : "";
    });
  }

  // --- SHA-256: WebCrypto where the page is a secure context (https, localhost);
  // on plain http from a LAN address crypto.subtle is missing, so a small pure
  // implementation gives the same hex digest.
  var K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ];

  function rotr(x, n) { return (x >>> n) | (x << (32 - n)); }

  function hex(words) {
    return words.map(function (v) { return ("00000000" + (v >>> 0).toString(16)).slice(-8); }).join("");
  }

  function sha256Pure(text) {
    var bytes = unescape(encodeURIComponent(text));
    var length = bytes.length;
    var words = [];
    var i;
    for (i = 0; i < length; i++) { words[i >> 2] |= bytes.charCodeAt(i) << (24 - (i % 4) * 8); }
    words[length >> 2] |= 0x80 << (24 - (length % 4) * 8);
    var total = (((length + 8) >> 6) + 1) * 16;
    for (i = 0; i < total; i++) { words[i] = words[i] | 0; }
    words[total - 1] = length * 8;
    var h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    var w = new Array(64);
    for (var block = 0; block < total; block += 16) {
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (var t = 0; t < 64; t++) {
        if (t < 16) {
          w[t] = words[block + t];
        } else {
          var x = w[t - 15], y = w[t - 2];
          var s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3);
          var s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10);
          w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
        }
        var t1 = (k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w[t]) | 0;
        var t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
      h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + k) | 0;
    }
    return hex(h);
  }

  function sha256(text) {
    var subtle = window.crypto && window.crypto.subtle;
    if (subtle && window.TextEncoder) {
      return subtle.digest("SHA-256", new TextEncoder().encode(text)).then(function (buf) {
        var view = new DataView(buf);
        var words = [];
        for (var i = 0; i < 8; i++) { words.push(view.getUint32(i * 4)); }
        return hex(words);
      }, function () { return sha256Pure(text); });
    }
    return Promise.resolve(sha256Pure(text));
  }

  // --- what waits on this device, per session -----------------------------------
  function load() {
    var state = null;
    try { state = JSON.parse(window.localStorage.getItem(KEY) || "null"); } catch (err) { state = null; }
    state = state || {};
    return {
      pending: state.pending || [],  // {id, code, at}: not yet accepted by the server
      seen: state.seen || {},        // code hash -> "08.12": checked in on this device
      recent: state.recent || [],    // the last scans shown in the list
      updated: state.updated || 0
    };
  }
  var state = load();

  function save() {
    state.updated = Date.now();
    try { window.localStorage.setItem(KEY, JSON.stringify(state)); } catch (err) { /* full */ }
  }

  // Lists of earlier sessions go once everything in them was sent.
  (function forgetOld() {
    var limit = Date.now() - KEEP_DAYS * 864e5;
    for (var i = window.localStorage.length - 1; i >= 0; i--) {
      var name = window.localStorage.key(i);
      if (!name || name.indexOf("desa.check-in.") !== 0 || name === KEY) { continue; }
      try {
        var old = JSON.parse(window.localStorage.getItem(name));
        if (!old || (!(old.pending || []).length && (old.updated || 0) < limit)) {
          window.localStorage.removeItem(name);
        }
      } catch (err) { window.localStorage.removeItem(name); }
    }
  })();

  function clock(date) {
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return two(date.getHours()) + "." + two(date.getMinutes());
  }

  function normalise(raw) {
    return String(raw || "").toUpperCase().replace(/[^A-Z0-9]/g, "").slice(0, 40);
  }

  // --- showing ---------------------------------------------------------------------
  function show(kind, word, who) {
    verdict.hidden = false;
    verdict.className = "scan-verdict scan-" + kind;
    verdictWord.textContent = word;
    verdictWho.textContent = who || "";
  }

  function whoText(entry) {
    return entry ? say("queue", { queue: entry.queue }) + " · " + entry.name : "";
  }

  function statusText(item) {
    if (item.status === "already") {
      return item.time ? say("already", { time: item.time }) : say("already_plain");
    }
    if (item.status === "checked_in") { return say("present") + (item.time ? " " + item.time : ""); }
    return say(item.status) || item.status;
  }

  function renderRecent() {
    recentList.textContent = "";
    recentEmpty.hidden = state.recent.length > 0;
    state.recent.forEach(function (item) {
      var entry = item.hash ? bookings[item.hash] : null;
      var li = document.createElement("li");
      li.className = "scan-row scan-row-" + item.status;
      var main = document.createElement("span");
      main.className = "scan-row-who";
      main.textContent = entry ? whoText(entry) : item.label;
      var what = document.createElement("span");
      what.className = "tag " + ({ checked_in: "ok", already: "warn" }[item.status] || "off");
      what.textContent = statusText(item);
      li.appendChild(main);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(what);
      if (item.status === "checked_in") {
        var sent = document.createElement("span");
        sent.className = "tag" + (item.sent ? " ok" : " wait");
        sent.textContent = item.sent ? say("row_sent") : say("row_waiting");
        li.appendChild(document.createTextNode(" "));
        li.appendChild(sent);
      }
      recentList.appendChild(li);
    });
  }

  var sending = false;
  var problem = "";

  function renderSync() {
    var n = state.pending.length;
    var line = "";
    if (sending) {
      line = say("sending", { n: n });
    } else if (n) {
      line = say("waiting", { n: n });
      if (navigator.onLine === false) {
        line += " · " + say("offline");
      } else if (problem) {
        line += " · " + problem;
      }
    } else if (state.recent.length) {
      line = say("all_sent");
    }
    syncLine.textContent = line;
    syncLine.className = "sync-state" + (n ? " sync-waiting" : (state.recent.length ? " sync-done" : ""));
    syncLine.setAttribute("data-waiting", String(n));
  }

  function render() { renderRecent(); renderSync(); }

  // --- one scan ----------------------------------------------------------------------
  function remember(item) {
    state.recent.unshift(item);
    if (state.recent.length > 30) { state.recent.length = 30; }
  }

  // Scans are taken one after the other, in the order they came (a scanner can
  // type the next code before the last one's digest is ready).
  var taking = Promise.resolve();

  function scan(raw) {
    taking = taking.then(function () { return take(raw); }, function () { return take(raw); });
    return taking;
  }

  function take(raw) {
    var code = normalise(raw);
    if (!code) { return Promise.resolve(); }
    return sha256(code).then(function (hash) {
      var entry = bookings[hash];
      var now = new Date();
      var item = { id: now.getTime() + "-" + Math.random().toString(36).slice(2, 8), hash: entry ? hash : null,
        label: entry ? "" : code, status: "checked_in", time: clock(now), sent: false };
      if (entry && entry.status === "cancelled") {
        item.status = "cancelled";
        show("bad", say("cancelled"), whoText(entry));
      } else if (entry && entry.status === "no_show") {
        item.status = "no_show";
        show("bad", say("no_show"), whoText(entry));
      } else if (entry && (entry.checked_in || entry.status === "recorded" || state.seen[hash])) {
        item.status = "already";
        item.time = state.seen[hash] || entry.checked_in || "";
        show("warn", statusText(item), whoText(entry));
      } else if (!entry) {
        // The page's list may be older than a booking made since: the server
        // has the last word, so the code is sent all the same.
        item.status = "unknown";
        show("bad", say("unknown"), code);
        state.pending.push({ id: item.id, code: code, at: now.toISOString() });
      } else {
        state.seen[hash] = item.time;
        show("ok", say("present") + " · " + say("queue", { queue: entry.queue }), entry.name);
        state.pending.push({ id: item.id, code: code, at: now.toISOString() });
      }
      remember(item);
      save();
      render();
      send();
    });
  }

  // --- sending -------------------------------------------------------------------------
  function apply(batch, results) {
    var done = {};
    batch.forEach(function (scanned, i) {
      done[scanned.id] = results[i] || { status: "unknown" };
    });
    state.pending = state.pending.filter(function (p) { return !done[p.id]; });
    state.recent.forEach(function (item) {
      var result = done[item.id];
      if (!result) { return; }
      item.sent = true;
      if (result.status === "checked_in" || result.status === "already") {
        if (item.status === "unknown") {
          // A booking made after the page was loaded: now it is known.
          item.label = result.queue ? say("queue", { queue: result.queue }) + " · " + result.name : item.label;
        }
        // Another desk was first: the ticket was checked in before this scan.
        if (result.status === "already" && item.status === "checked_in") { item.status = "already"; }
        if (result.status === "checked_in" && item.status === "unknown") { item.status = "checked_in"; }
        if (result.checked_in) {
          // The server's time is the one on record (the device's clock may differ).
          item.time = result.checked_in;
          if (item.hash) { state.seen[item.hash] = result.checked_in; }
        }
      } else {
        // The server knows better (a ticket cancelled since the page was made,
        // another day): the device forgets it had taken it.
        item.status = result.status;
        if (item.hash) { delete state.seen[item.hash]; }
      }
    });
    save();
  }

  function freshToken() {
    // The page (kept offline) may carry the token of an earlier sign-in.
    return fetch(window.location.pathname, { credentials: "same-origin", cache: "no-store" })
      .then(function (resp) { return resp.ok && !resp.redirected ? resp.text() : ""; })
      .then(function (html) {
        var found = /<meta name="csrf-token" content="([^"]+)"/.exec(html);
        if (found) { csrf = found[1]; return true; }
        return false;
      }, function () { return false; });
  }

  function send(retried) {
    if (sending || !state.pending.length) { renderSync(); return; }
    if (navigator.onLine === false) { renderSync(); return; }
    sending = true;
    renderSync();
    var batch = state.pending.slice(0, BATCH);
    var body = JSON.stringify({ scans: batch.map(function (p) { return { code: p.code, at: p.at }; }) });
    // A link that takes the request and never answers must not hold the queue.
    var abort = window.AbortController ? new window.AbortController() : null;
    var timer = abort ? window.setTimeout(function () { abort.abort(); }, TIMEOUT_MS) : null;
    fetch(data.send, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
      body: body,
      signal: abort ? abort.signal : undefined
    }).then(function (resp) {
      window.clearTimeout(timer);
      return resp.json().catch(function () { return {}; }).then(function (answer) {
        return { status: resp.status, ok: resp.ok, answer: answer };
      });
    }).then(function (reply) {
      sending = false;
      if (reply.ok && reply.answer && reply.answer.results) {
        problem = "";
        apply(batch, reply.answer.results);
        render();
        if (state.pending.length) { send(); }
        return;
      }
      var error = (reply.answer && reply.answer.error) || {};
      if (reply.status === 400 && error.code === "csrf_failed" && !retried) {
        freshToken().then(function (renewed) {
          if (renewed) { send(true); } else { problem = say("signed_out"); renderSync(); }
        });
        return;
      }
      problem = reply.status === 401 ? say("signed_out")
        : reply.status >= 500 || reply.status === 409 ? say("unreachable")
        : say("refused", { message: error.message || reply.status });
      renderSync();
    }, function () {
      window.clearTimeout(timer);
      sending = false;
      problem = say("unreachable");
      renderSync();
    });
  }

  window.addEventListener("online", function () { send(); });
  window.addEventListener("offline", renderSync);
  window.setInterval(function () { send(); }, RETRY_MS);

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var raw = input.value;
    input.value = "";
    input.focus();
    scan(raw);
  });

  // --- the camera, where the browser reads QR codes itself (ticket-scan.js) ------
  if (window.desaScanner) {
    window.desaScanner(
      { start: "camera-start", box: "camera-box", video: "camera-video",
        status: "camera-status", stop: "camera-stop", texts: "check-in-texts" },
      function (code) { scan(code); return false; }
    );
  }

  // --- keeping the page for the next time there is no network ------------------------
  (function keepPage() {
    var ready = document.getElementById("offline-ready");
    if (!("serviceWorker" in navigator) || !data.worker) { return; }
    function done() { ready.hidden = false; document.documentElement.setAttribute("data-offline-ready", "1"); }
    navigator.serviceWorker.register(data.worker, { scope: data.scope }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      var urls = [window.location.pathname];
      Array.prototype.forEach.call(
        document.querySelectorAll('link[rel="stylesheet"], link[rel="icon"], script[src], img[src]'),
        function (el) { urls.push(el.href || el.src); }
      );
      var channel = new MessageChannel();
      channel.port1.onmessage = function (event) { if (event.data && event.data.kept) { done(); } };
      registration.active.postMessage({ type: "keep", urls: urls }, [channel.port2]);
    }).catch(function () {});
  })();

  render();
  send();
})();

// The offline check-in page's service worker (served as /appointments/check-in-sw.js
// so that its scope covers the page). It keeps the page and the files it uses:
// network first, so a page that loads is fresh and replaces the copy; the copy
// answers only when the network does not. Nothing else in its scope is touched.
"use strict";
var CACHE = "desa-check-in-v1";
var PAGE = /^\/appointments\/\d+\/check-in-offline$/;

function keyOf(url) {
  return PAGE.test(url.pathname) ? url.origin + url.pathname : url.href;
}

function keepable(url) {
  return url.origin === self.location.origin &&
    (PAGE.test(url.pathname) || url.pathname.indexOf("/static/") === 0);
}

function usable(response) {
  return response && response.ok && response.type === "basic" && !response.redirected;
}

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("desa-check-in-") === 0 && name !== CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

// The page asks to keep itself and its files (its first load came before this
// worker could see it). Answers whether every one of them is now in the cache.
self.addEventListener("message", function (event) {
  var wanted = event.data && event.data.type === "keep" ? event.data.urls : null;
  var port = event.ports && event.ports[0];
  if (!Array.isArray(wanted)) { return; }
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(wanted.map(function (raw) {
      var url = new URL(raw, self.location.href);
      if (!keepable(url)) { return true; }
      var key = keyOf(url);
      return fetch(url.href, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
        if (usable(response)) { return cache.put(key, response).then(function () { return true; }); }
        return cache.match(key).then(Boolean);
      }, function () {
        return cache.match(key).then(Boolean);
      });
    }));
  }).then(function (kept) {
    if (port) { port.postMessage({ kept: kept.every(Boolean) }); }
  }, function () {
    if (port) { port.postMessage({ kept: false }); }
  }));
});

function networkFirst(event, request, key, isPage) {
  return fetch(request).then(function (response) {
    var copy = response.clone();
    event.waitUntil(caches.open(CACHE).then(function (cache) {
      if (usable(copy)) {
        if (isPage) { return cache.put(key, copy); }
        // Files are refreshed only when the page asked to keep them.
        return cache.match(key).then(function (had) { return had ? cache.put(key, copy) : null; });
      }
      if (isPage && (copy.type === "opaqueredirect" || copy.status === 401 || copy.status === 403)) {
        // Signed out or no longer allowed: the kept copy (masked names) goes too.
        return cache.delete(key);
      }
      return null;
    }));
    return response;
  }, function () {
    return caches.match(key).then(function (copy) { return copy || Response.error(); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (!keepable(url)) { return; }
  event.respondWith(networkFirst(event, request, keyOf(url), PAGE.test(url.pathname)));
});

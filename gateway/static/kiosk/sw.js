/* TCPL kiosk service worker, served as /kiosk/sw.js (scope /kiosk, allowed by the
 * Service-Worker-Allowed header). It lets a kiosk whose browser is restarted or reloaded
 * while the network is down load the page again and keep answering:
 *
 * - the page shell (/kiosk and its assets) is cached at install, in a cache named after
 *   VERSION, which the gateway fills in with a hash of the kiosk's files: any change to
 *   them makes a new worker, which caches the new shell and deletes the old caches;
 * - the shell (and any other file under /kiosk/assets/) is served from the network first,
 *   and from the cache when the network fails or answers 5xx;
 * - the last answer of GET /api/v1/kiosk/campaign (the campaign and its questionnaire) is
 *   kept per device; it is served only when the network fails, marked with the header
 *   X-TCPL-Kiosk-Cache: worker, and forgotten when the server says 401, 403 or 404;
 * - nothing but GET is ever touched: submissions (POST) go to the network, or fail and stay
 *   in the page's own queue. They are never answered from a cache. */
"use strict";

var VERSION = "__KIOSK_VERSION__";
var SHELL_PREFIX = "tcpl-kiosk-shell-";
var SHELL_CACHE = SHELL_PREFIX + VERSION;
var DATA_CACHE = "tcpl-kiosk-data";   // the campaign: kept across versions
var PAGE = "/kiosk";
var ASSETS = "/kiosk/assets/";
var SHELL = [PAGE, ASSETS + "kiosk.js", ASSETS + "kiosk.css"];
var CAMPAIGN = "/api/v1/kiosk/campaign";
var CACHE_HEADER = "X-TCPL-Kiosk-Cache";
var NETWORK_TIMEOUT_MS = 5000;   // then a cached copy, when there is one

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL_CACHE).then(function (cache) {
    return cache.addAll(SHELL.map(function (url) { return new Request(url, {cache: "reload"}); }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf(SHELL_PREFIX) === 0 && name !== SHELL_CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  // Submissions and anything else that is not a GET: not answered here, ever.
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname === PAGE || url.pathname.indexOf(ASSETS) === 0) {
    event.respondWith(shell(event, url.pathname));
  } else if (url.pathname === CAMPAIGN) {
    event.respondWith(campaign(request));
  }
});

// The network, given up after NETWORK_TIMEOUT_MS when there is a fallback.
function network(request, fallback) {
  var fetched = fetch(request);
  if (!fallback) { return fetched; }
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error("timeout")); }, NETWORK_TIMEOUT_MS);
    fetched.then(function (r) { clearTimeout(timer); resolve(r); },
                 function (e) { clearTimeout(timer); reject(e); });
  });
}

function shell(event, path) {
  return caches.open(SHELL_CACHE).then(function (cache) {
    // /kiosk?recheck=… and /kiosk are the same page
    return cache.match(path).then(function (cached) {
      return network(event.request, cached).then(function (response) {
        if (response.ok && response.type === "basic") {
          event.waitUntil(cache.put(path, response.clone()));
        } else if (response.status >= 500 && cached) {
          return cached;   // the gateway is up but cannot serve: as good as offline
        }
        return response;
      }, function (error) {
        if (cached) { return cached; }
        throw error;
      });
    });
  });
}

// One cached campaign per device: the key names the kiosk id (the token's part before
// the dot), never its secret.
function campaignKey(request) {
  var auth = request.headers.get("Authorization") || "";
  var kioskId = auth.replace(/^Kiosk\s+/i, "").split(".")[0];
  return CAMPAIGN + "?kiosk=" + encodeURIComponent(kioskId);
}

function campaign(request) {
  var key = campaignKey(request);
  return caches.open(DATA_CACHE).then(function (cache) {
    return cache.match(key).then(function (cached) {
      function fallback(response, error) {
        if (!cached) {
          if (response) { return response; }
          throw error;
        }
        var headers = new Headers(cached.headers);
        headers.set(CACHE_HEADER, "worker");
        return cached.text().then(function (body) {
          return new Response(body, {status: 200, headers: headers});
        });
      }
      return network(request, cached).then(function (response) {
        if (response.status === 200) {
          // stored before the page hears back, so a reload right after finds it
          return response.clone().text().then(function (body) {
            return cache.put(key, new Response(body, {
              status: 200, headers: {"Content-Type": "application/json"}}));
          }).then(function () { return response; });
        }
        if (response.status === 401 || response.status === 403 || response.status === 404) {
          // the device or the campaign is no longer valid: never serve it again
          return cache.delete(key).then(function () { return response; });
        }
        return fallback(response);   // 5xx: the service is down, like the network
      }, function (error) { return fallback(null, error); });
    });
  });
}

// The holder's pass: keeps a copy for offline use, re-checks the status when online,
// and counts down the validity window. The print sheet only uses the print button.
(function () {
  "use strict";
  var CACHE = "holder-v1";
  var body = document.body;
  var printButton = document.getElementById("print");
  if (printButton) printButton.addEventListener("click", function () { window.print(); });
  if (!body.dataset.statusUrl) return;

  var INVALID = { revoked: true, expired: true };
  var validFrom = new Date(body.dataset.validFrom);
  var validUntil = new Date(body.dataset.validUntil);

  function fill(format, values) {
    return format.replace(/\{(\w+)\}/g, function (_, name) { return values[name]; });
  }

  function show(status, message) {
    body.dataset.status = status;
    if (message) document.getElementById("state-text").textContent = message;
  }

  // What a checkpoint would answer now: a red enterprise or a revoked key kills a pass
  // whose own window is still open.
  function showVerdict(verdict, message) {
    if (!verdict) return;
    body.dataset.verdict = verdict.verdict;
    var note = document.getElementById("checkpoint-verdict");
    note.textContent = message || "";
    note.hidden = !message;
  }

  function tick() {
    var now = new Date();
    if (now >= validUntil && !INVALID[body.dataset.status]) show("expired", body.dataset.endedText);
    if (body.dataset.status === "not_yet_valid" && now >= validFrom) show("valid", body.dataset.validText);
    var left = Math.max(0, validUntil - now) / 60000;
    document.getElementById("left").textContent = left > 0 ? fill(body.dataset.leftFormat, {
      days: Math.floor(left / 1440), hours: Math.floor(left % 1440 / 60), minutes: Math.floor(left % 60)
    }) : body.dataset.endedText;
  }

  function checked(text) { document.getElementById("checked").textContent = text; }

  // As the page's other times: the deployment's zone and yyyy-MM-dd HH:mm, whatever the
  // phone's own zone and language.
  function localTime(at) {
    var parts = {};
    new Intl.DateTimeFormat("en-CA", {
      timeZone: body.dataset.timezone, hourCycle: "h23", year: "numeric", month: "2-digit",
      day: "2-digit", hour: "2-digit", minute: "2-digit"
    }).formatToParts(at).forEach(function (part) { parts[part.type] = part.value; });
    return parts.year + "-" + parts.month + "-" + parts.day + " " + parts.hour + ":" + parts.minute;
  }

  function refresh() {
    // The service worker answers from its cache when offline, so a stale answer is possible:
    // the time it was checked is always shown.
    fetch(body.dataset.statusUrl, { cache: "no-store" })
      .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); })
      .then(function (state) {
        show(state.status, state.message);
        showVerdict(state.checkpoint_verdict, state.checkpoint_message);
        var at = new Date(state.checked_at);
        checked(fill(body.dataset.checkedFormat, { time: localTime(at) }) +
                (navigator.onLine ? "" : " · " + body.dataset.offlineText));
        tick();
      })
      .catch(function () { checked(body.dataset.offlineText); });
  }

  function keepOfflineCopy() {
    if (!("serviceWorker" in navigator) || !window.caches) return;
    navigator.serviceWorker.register(body.dataset.workerUrl, { scope: "/h/" }).catch(function () {});
    var urls = [location.pathname, body.dataset.statusUrl];
    document.querySelectorAll("link[rel=stylesheet], link[rel=icon], script[src]").forEach(function (el) {
      urls.push(el.getAttribute("href") || el.getAttribute("src"));
    });
    caches.open(CACHE).then(function (cache) { return cache.addAll(urls); }).catch(function () {});
  }

  tick();
  setInterval(tick, 30000);
  keepOfflineCopy();
  refresh();
  window.addEventListener("online", refresh);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
})();

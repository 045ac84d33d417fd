// The dashboard re-fetches its panel every few seconds and swaps it in, so the figures move
// while scans come in. A failed fetch keeps the last figures and marks them stale.
(function () {
  "use strict";
  var board = document.getElementById("dashboard");
  if (!board || !window.fetch) return;
  var url = board.dataset.panelUrl;
  var every = (parseInt(board.dataset.refreshSeconds, 10) || 15) * 1000;
  var busy = false;

  function refresh() {
    if (busy || document.hidden) return;
    busy = true;
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (response.redirected || !response.ok) throw new Error("status " + response.status);
        return response.text();
      })
      .then(function (html) {
        board.innerHTML = html;
        board.classList.remove("stale");
      })
      .catch(function () { board.classList.add("stale"); })
      .then(function () { busy = false; });
  }

  setInterval(refresh, every);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
})();

// wso-tracker's only script; every page works without it.
// - [data-deadline="RFC 3339"]: counts down every second, by the server's clock.
// - [data-live] regions (with an id): refreshed from the server every 4 seconds, with the title.
// - [data-print]: prints the page.
// - .error-summary (a refused form) or else [data-focus]: brought into view and given focus,
//   so the eye and a screen reader land on what needs attention.
(function () {
  "use strict";
  var REFRESH_MS = 4000; // changes show within 5 s: one interval plus the request
  var skew = 0; // server time minus browser time, in ms

  function readServerTime(doc) {
    var el = doc.querySelector("[data-server-now]");
    if (el) skew = Date.parse(el.getAttribute("data-server-now")) - Date.now();
  }

  function words(seconds) {
    var s = Math.abs(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    if (h === 0) return m + " min";
    if (h < 72) return h + " h " + (m < 10 ? "0" : "") + m + " min";
    return Math.floor(h / 24) + " d " + (h % 24) + " h";
  }

  function tick() {
    var now = Date.now() + skew;
    var els = document.querySelectorAll("[data-deadline]");
    for (var i = 0; i < els.length; i++) {
      var left = Math.floor((Date.parse(els[i].getAttribute("data-deadline")) - now) / 1000);
      var secs = Math.abs(left) % 60;
      var exact = words(left) + " " + (secs < 10 ? "0" : "") + secs + " s";
      els[i].textContent = left > 0 ? exact + " left" : "overdue by " + exact;
    }
  }

  function refresh() {
    var regions = document.querySelectorAll("[data-live][id]");
    if (regions.length === 0) return;
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Live-Refresh": "1" } })
      .then(function (r) {
        if (r.redirected && r.url.indexOf("/login") !== -1) { window.location.href = r.url; return null; }
        return r.ok ? r.text() : null;
      })
      .then(function (html) {
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        for (var i = 0; i < regions.length; i++) {
          var fresh = doc.getElementById(regions[i].id);
          if (fresh) regions[i].innerHTML = fresh.innerHTML;
        }
        document.title = doc.title;
        readServerTime(doc);
        tick();
      })
      .catch(function () { /* offline for a moment: try again next time */ });
  }

  function focusAttention() {
    var el = document.querySelector(".error-summary") || document.querySelector("[data-focus]");
    if (!el) return;
    el.scrollIntoView({ block: "start" });
    el.focus({ preventScroll: true });
  }

  // Again once loaded: scrolling to the URL's fragment can take the focus back to the page.
  window.addEventListener("load", function () { setTimeout(focusAttention, 0); });

  document.addEventListener("DOMContentLoaded", function () {
    focusAttention();
    readServerTime(document);
    tick();
    setInterval(tick, 1000);
    if (document.querySelector("[data-live][id]")) setInterval(refresh, REFRESH_MS);
    var print = document.querySelectorAll("[data-print]");
    for (var i = 0; i < print.length; i++) print[i].addEventListener("click", function () { window.print(); });
  });
})();

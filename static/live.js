// wso-tracker's only script; every page works without it.
// - [data-deadline="RFC 3339"]: counts down every second, by the server's clock.
// - [data-live][data-events="URL"] (the pending board): pushed by the server as server-sent
//   events (docs/api.md, "Board events"); each changed row is put in place, the counts and the
//   title follow. If the stream cannot be opened (or is refused), the page falls back to
//   polling and says so ([data-live-note]); the region's data-stream says which ("open" or
//   "polling"). An ended session's stream says "closed": reload.
// - other [data-live] regions (with an id): refreshed from the server every 4 seconds, with the title;
//   [data-updated] shows when the data last came (server time); when no refresh has succeeded
//   for 15 s (body[data-stale-after] seconds) the page says "Not updating — last data from …",
//   greys the data and stops the countdown. A page that answers 404 (a revoked wall display)
//   is reloaded to show it.
// - [data-print]: prints the page.
// - .error-summary (a refused form) or else [data-focus]: brought into view and given focus,
//   so the eye and a screen reader land on what needs attention.
(function () {
  "use strict";
  var REFRESH_MS = 4000; // changes show within 5 s: one interval plus the request
  var skew = 0; // server time minus browser time, in ms
  var STALE_MS = 15000;
  var lastOk = Date.now(); // browser time of the last data received
  var lastServer = null; // server time of that data
  var stale = false;

  function readServerTime(doc) {
    var el = doc.querySelector("[data-server-now]");
    if (!el) return;
    lastServer = Date.parse(el.getAttribute("data-server-now"));
    skew = lastServer - Date.now();
  }

  // hh:mm:ss with the zone: the page's facility zone (body[data-zone]) or the browser's.
  function clock(ms) {
    var options = { hour12: false, timeZoneName: "short" };
    var zone = document.body.getAttribute("data-zone");
    if (zone) options.timeZone = zone;
    return new Date(ms).toLocaleTimeString("en-US", options);
  }

  function showUpdated() {
    if (lastServer === null) return;
    var els = document.querySelectorAll("[data-updated]");
    for (var i = 0; i < els.length; i++) {
      els[i].textContent = clock(lastServer);
      if (els[i].parentNode.hidden) els[i].parentNode.hidden = false;
    }
  }

  function staleBanner() {
    var el = document.getElementById("stale");
    if (el) return el;
    el = document.createElement("div");
    el.id = "stale";
    el.className = "stale-banner";
    el.setAttribute("role", "alert");
    el.hidden = true;
    el.innerHTML = 'Not updating — last data from <span data-last-update></span>. Check the network or the server.';
    var main = document.querySelector("main") || document.body;
    main.insertBefore(el, main.firstChild);
    return el;
  }

  function checkStale() {
    if (events && events.readyState === 1) lastOk = Date.now(); // an open stream is live
    var late = Date.now() - lastOk > STALE_MS;
    if (late === stale) return;
    stale = late;
    var banner = staleBanner();
    if (stale) {
      var last = banner.querySelector("[data-last-update]");
      if (last && lastServer !== null) last.textContent = clock(lastServer);
      banner.hidden = false;
      document.body.classList.add("stale");
    } else {
      banner.hidden = true;
      document.body.classList.remove("stale");
    }
  }

  function words(seconds) {
    var s = Math.abs(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    if (h === 0) return m + " min";
    if (h < 72) return h + " h " + (m < 10 ? "0" : "") + m + " min";
    return Math.floor(h / 24) + " d " + (h % 24) + " h";
  }

  function tick() {
    if (stale) return; // the countdown stops pretending: the data may be old
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
    var abort = typeof AbortController === "function" ? new AbortController() : null;
    var timer = abort ? setTimeout(function () { abort.abort(); }, REFRESH_MS * 2) : null;
    fetch(window.location.href, {
      credentials: "same-origin",
      headers: { "X-Live-Refresh": "1" },
      signal: abort ? abort.signal : undefined
    })
      .then(function (r) {
        if (r.redirected && r.url.indexOf("/login") !== -1) { window.location.href = r.url; return null; }
        if (r.status === 404) { window.location.reload(); return null; }
        return r.ok ? r.text() : null;
      })
      .then(function (html) {
        if (timer) clearTimeout(timer);
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        for (var i = 0; i < regions.length; i++) {
          var fresh = doc.getElementById(regions[i].id);
          if (fresh) regions[i].innerHTML = fresh.innerHTML;
        }
        document.title = doc.title;
        readServerTime(doc);
        lastOk = Date.now();
        checkStale();
        showUpdated();
        tick();
      })
      .catch(function () { if (timer) clearTimeout(timer); /* counted by checkStale */ });
  }

  // ---- The pushed board --------------------------------------------------------------------
  var events = null; // the EventSource while it is the board's source

  function rowsOf(list) {
    return document.querySelectorAll('[data-list="' + list + '"] tr[data-booking]');
  }

  function removeRow(id) {
    var old = document.querySelectorAll('[data-list] tr[data-booking="' + id + '"]');
    for (var i = 0; i < old.length; i++) old[i].parentNode.removeChild(old[i]);
  }

  // Puts a pushed row in its list, in the list's order (rows carry data-sort); a row that shows
  // exactly the same (same data-v in the same list) is left as it is, focus and all.
  function putRow(row) {
    var body = document.querySelector('[data-list="' + row.list + '"]');
    if (!body || !row.html) return;
    var holder = document.createElement("tbody");
    holder.innerHTML = row.html;
    var tr = holder.querySelector("tr");
    if (!tr) return;
    var same = body.querySelector('tr[data-booking="' + row.booking_id + '"]');
    if (same && same.getAttribute("data-v") === tr.getAttribute("data-v")) return;
    removeRow(row.booking_id);
    var sort = tr.getAttribute("data-sort") || "";
    var rows = rowsOf(row.list), before = null;
    for (var i = 0; i < rows.length; i++) {
      if ((rows[i].getAttribute("data-sort") || "") > sort) { before = rows[i]; break; }
    }
    body.insertBefore(tr, before || body.querySelector("tr[data-empty]"));
  }

  // Counts, the overdue banner, the empty-list row and the title follow the rows.
  function recount() {
    var counts = {};
    var rows = rowsOf("pending");
    for (var i = 0; i < rows.length; i++) {
      var stage = ["overdue", "stage-1h", "stage-4h", "stage-12h", "stage-ok"].filter(function (c) {
        return rows[i].classList.contains(c);
      })[0];
      counts[stage] = (counts[stage] || 0) + 1;
    }
    var els = document.querySelectorAll("[data-stage-count]");
    for (var j = 0; j < els.length; j++) {
      var n = counts[els[j].getAttribute("data-stage-count")] || 0;
      els[j].textContent = n;
      els[j].parentNode.classList.toggle("zero", n === 0); // phones hide the empty stages
    }
    var overdue = counts.overdue || 0;
    var banner = document.querySelector("[data-overdue-banner]");
    if (banner) {
      banner.hidden = overdue === 0;
      var n = banner.querySelector("[data-overdue-count]");
      if (n) n.textContent = overdue;
    }
    var empty = document.querySelector('[data-list="pending"] tr[data-empty]');
    if (empty) empty.hidden = rows.length > 0;
    var awaiting = document.querySelector("[data-awaiting-section]");
    if (awaiting) awaiting.hidden = rowsOf("awaiting").length === 0;
    // As domain::stage::title_prefix writes it: "(2 overdue, 1 under 1 h) ".
    var base = document.title.replace(/^\((\d+ overdue)?(, )?(\d+ under 1 h)?\) /, "");
    var hour = counts["stage-1h"] || 0, parts = [];
    if (overdue > 0) parts.push(overdue + " overdue");
    if (hour > 0) parts.push(hour + " under 1 h");
    document.title = parts.length ? "(" + parts.join(", ") + ") " + base : base;
  }

  function received() {
    lastOk = Date.now();
    lastServer = Date.now() + skew;
    checkStale();
    showUpdated();
    tick();
  }

  function note(text) {
    var el = document.querySelector("[data-live-note]");
    if (!el) return;
    el.textContent = text;
    el.hidden = !text;
  }

  function fallBackToPolling() {
    if (events) { events.close(); events = null; }
    var region = document.querySelector("[data-live][data-events]");
    if (region) region.setAttribute("data-stream", "polling");
    note("Live updates are not available: this page checks for changes every 4 seconds instead.");
    setInterval(refresh, REFRESH_MS);
  }

  function startEvents(region) {
    if (typeof EventSource !== "function") return false;
    var es = new EventSource(region.getAttribute("data-events"));
    var opened = false;
    events = es;
    function each(handler) {
      return function (e) { if (events !== es) return; handler(JSON.parse(e.data)); recount(); received(); };
    }
    es.addEventListener("board", each(function (rows) {
      var keep = {};
      for (var j = 0; j < rows.length; j++) keep[rows[j].list + " " + rows[j].booking_id] = true;
      var old = document.querySelectorAll("[data-list] tr[data-booking]");
      for (var i = 0; i < old.length; i++) {
        var list = old[i].parentNode.getAttribute("data-list");
        if (!keep[list + " " + old[i].getAttribute("data-booking")]) old[i].parentNode.removeChild(old[i]);
      }
      for (var k = 0; k < rows.length; k++) putRow(rows[k]);
    }));
    es.addEventListener("entered", each(putRow));
    es.addEventListener("changed", each(putRow));
    es.addEventListener("left", each(function (row) { removeRow(row.booking_id); }));
    // The session ended (idle, signed out, disabled): the page shows the sign-in.
    es.addEventListener("closed", function () { es.close(); window.location.reload(); });
    es.onopen = function () { opened = true; region.setAttribute("data-stream", "open"); note(""); received(); };
    es.onerror = function () {
      // Refused (not an event stream) or never opened: poll. Otherwise the browser reconnects
      // by itself and the server sends the whole board again; the staleness banner covers the gap.
      if (es.readyState === EventSource.CLOSED || !opened) fallBackToPolling();
    };
    return true;
  }

  function focusAttention() {
    var el = document.querySelector(".error-summary") || document.querySelector("[data-focus]");
    if (!el) return;
    el.scrollIntoView({ block: "start" });
    // Scrolling is by whole pixels and the layout is not: a summary that starts a fraction of a
    // pixel above the screen loses its top border; bring it down to the next whole pixel.
    var top = el.getBoundingClientRect().top;
    if (top < 0) window.scrollBy(0, Math.floor(top));
    el.focus({ preventScroll: true });
  }

  // Again once loaded: scrolling to the URL's fragment can take the focus back to the page.
  window.addEventListener("load", function () { setTimeout(focusAttention, 0); });

  document.addEventListener("DOMContentLoaded", function () {
    focusAttention();
    readServerTime(document);
    var after = document.body.getAttribute("data-stale-after");
    if (after) STALE_MS = parseInt(after, 10) * 1000;
    tick();
    setInterval(tick, 1000);
    if (document.querySelector("[data-live][id]")) {
      showUpdated();
      var pushed = document.querySelector("[data-live][data-events]");
      if (!pushed || !startEvents(pushed)) setInterval(refresh, REFRESH_MS);
      setInterval(checkStale, 1000);
    }
    var print = document.querySelectorAll("[data-print]");
    for (var i = 0; i < print.length; i++) print[i].addEventListener("click", function () { window.print(); });
  });
})();

// Sorting and filtering of the host table and the timeline. The page is
// complete without it (everything is rendered on the server); this script
// reads only the data-* attributes of the rows, never the report's text
// as code.
(function () {
  "use strict";
  var ORDER = ["failed", "unreachable", "changed", "skipped", "ok"];
  var body = document.getElementById("host-rows");
  var lanes = document.getElementById("timeline-rows");
  var status = document.getElementById("f-status");
  var finding = document.getElementById("f-finding");
  var text = document.getElementById("f-text");
  var shown = document.getElementById("f-shown");
  if (!body || !status || !finding || !text || !shown) return;
  var rows = Array.prototype.slice.call(body.rows);
  var lane = {};
  if (lanes) {
    Array.prototype.forEach.call(lanes.querySelectorAll("[data-i]"), function (el) {
      (lane[el.getAttribute("data-i")] = lane[el.getAttribute("data-i")] || []).push(el);
    });
  }
  var sort = { key: "", dir: "" };

  function keep(row) {
    var f = (" " + row.getAttribute("data-findings") + " ");
    var q = text.value.trim().toLowerCase();
    return (!status.value || row.getAttribute("data-status") === status.value) &&
      (!finding.value || f.indexOf(" " + finding.value + " ") >= 0) &&
      (!q || row.getAttribute("data-name").toLowerCase().indexOf(q) >= 0);
  }

  function key(row, what) {
    switch (what) {
      case "name": return row.getAttribute("data-name");
      case "status": return ORDER.indexOf(row.getAttribute("data-status"));
      case "time": return Number(row.getAttribute("data-ms"));
      case "findings": return Number(row.getAttribute("data-nfindings"));
      default: return Number(row.getAttribute("data-i"));
    }
  }

  function compare(a, b) {
    var x = key(a, sort.key), y = key(b, sort.key), c;
    if (typeof x === "string") c = x.localeCompare(y, undefined, { numeric: true });
    else c = x - y;
    if (c === 0) c = key(a, "") - key(b, "");
    return sort.dir === "desc" ? -c : c;
  }

  function apply() {
    var n = 0;
    var ordered = rows.slice();
    if (sort.key) ordered.sort(compare);
    ordered.forEach(function (row) {
      var on = keep(row);
      row.hidden = !on;
      if (on) n++;
      body.appendChild(row);
      (lane[row.getAttribute("data-i")] || []).forEach(function (el) {
        el.hidden = !on;
        lanes.appendChild(el);
      });
    });
    shown.textContent = "showing " + n + " of " + rows.length + " hosts";
    Array.prototype.forEach.call(document.querySelectorAll(".cards button"), function (b) {
      b.classList.toggle("on", !!status.value && b.getAttribute("data-status") === status.value);
    });
    var state = [];
    if (status.value) state.push("status=" + encodeURIComponent(status.value));
    if (finding.value) state.push("finding=" + encodeURIComponent(finding.value));
    if (sort.key) state.push("sort=" + sort.key + (sort.dir === "desc" ? "-desc" : ""));
    try {
      history.replaceState(null, "", state.length ? "#" + state.join("&") : location.pathname);
    } catch (e) { /* a browser that refuses it keeps the old address */ }
  }

  function choose(select, value) {
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === value) { select.value = value; return; }
    }
  }

  // A link may carry a view: #status=failed&finding=ID&sort=time-desc
  location.hash.replace(/^#/, "").split("&").forEach(function (part) {
    var kv = part.split("=");
    var v = decodeURIComponent(kv[1] || "");
    if (kv[0] === "status") choose(status, v);
    if (kv[0] === "finding") choose(finding, v);
    if (kv[0] === "sort") {
      sort.key = v.replace(/-desc$/, "");
      sort.dir = /-desc$/.test(v) ? "desc" : "asc";
    }
  });

  [status, finding].forEach(function (el) { el.addEventListener("change", apply); });
  text.addEventListener("input", apply);
  Array.prototype.forEach.call(document.querySelectorAll("th button[data-sort]"), function (b) {
    b.addEventListener("click", function () {
      var k = b.getAttribute("data-sort");
      sort.dir = sort.key === k && sort.dir === "asc" ? "desc" : "asc";
      sort.key = k;
      Array.prototype.forEach.call(document.querySelectorAll("th button[data-sort]"), function (o) {
        o.setAttribute("data-dir", o === b ? sort.dir : "");
      });
      apply();
    });
    if (b.getAttribute("data-sort") === sort.key) b.setAttribute("data-dir", sort.dir);
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-filter-status]"), function (b) {
    b.addEventListener("click", function () {
      var v = b.getAttribute("data-filter-status");
      status.value = status.value === v ? "" : v;
      apply();
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-filter-finding]"), function (b) {
    b.addEventListener("click", function () {
      choose(finding, b.getAttribute("data-filter-finding"));
      apply();
      document.getElementById("hosts").scrollIntoView();
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll(".controls"), function (c) { c.hidden = false; });
  apply();
  document.body.setAttribute("data-ready", "1");
})();

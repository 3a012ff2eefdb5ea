// The board page's script: follows /events and draws the state. It never shows a green it
// cannot vouch for: a stale state, a dropped stream or silence past trust_ms turn it grey.
// Times are the server's: each event carries its clock, so a TV with a wrong clock still
// shows right ages. One timer per page (relative times, the silence check); none per list.
"use strict";
(function () {
  var WORDS = {ok: "OK", acked: "ACKNOWLEDGED", triggered: "TRIGGERED", unknown: "UNKNOWN"};
  var st = null; // the last state object (the MQTT state topic's JSON)
  var meta = {now: 0, last_good: null, trust_ms: 0};
  var skew = 0; // server clock minus ours
  var heard = 0; // Date.now() of the last event
  var es = null, live = false, tries = 0, timer = 0;

  function $(id) { return document.getElementById(id); }
  function now() { return Date.now() + skew; }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function ago(ms) {
    var m = Math.floor(Math.max(ms, 0) / 60000);
    if (m < 1) return "under a minute";
    if (m < 120) return m + " min";
    if (m < 2880) return Math.floor(m / 60) + " h";
    return Math.floor(m / 1440) + " d";
  }
  function hhmm(t) {
    return new Date(t).toLocaleTimeString([], {hour: "2-digit", minute: "2-digit", hourCycle: "h23"});
  }
  function until(iso) {
    if (!iso) return "always";
    var t = Date.parse(iso), left = t - now();
    if (left < 20 * 3600e3) return "until " + hhmm(t);
    if (left < 6 * 86400e3) return "until " + new Date(t).toLocaleDateString([], {weekday: "short"}) + " " + hhmm(t);
    return "until " + new Date(t).toLocaleDateString([], {day: "numeric", month: "short"});
  }
  function count(n, truncated, word) { return n + (truncated ? "+" : "") + " " + word; }

  // What the band says. Trusted only with a live stream, a fresh good poll and no stale flag.
  function band() {
    var fresh = meta.last_good !== null && now() - meta.last_good < meta.trust_ms;
    var ok = live && st && !st.stale && st.level !== "unknown" && fresh;
    var level = ok ? st.level : "unknown";
    var sub;
    if (!live) sub = st ? "Reconnecting to pdbridge…" : "Connecting to pdbridge…";
    else if (!st || (!st.stale && st.level === "unknown")) sub = "Waiting for the first poll of PagerDuty…";
    else if (st.stale) sub = "PagerDuty unreachable";
    else if (!fresh) sub = "No word from pdbridge";
    else if (!st.triggered && !st.acknowledged) sub = "No open incidents";
    else sub = count(st.triggered, st.counts_truncated, "triggered") + " · " + count(st.acknowledged, st.counts_truncated, "acknowledged");
    $("band").className = level;
    $("band").setAttribute("data-seq", st ? st.seq : 0);
    $("word").textContent = WORDS[level];
    $("sub").textContent = sub;
    $("polled").textContent = meta.last_good === null ? "" :
      ok ? "updated " + hhmm(meta.last_good) : "last good update " + ago(now() - meta.last_good) + " ago";
    document.body.classList.toggle("stale", !ok);
  }

  // Hide the rows that do not fit (and everything after them); say how many are left out.
  function fit(ul, more, extra, noun) {
    var bottom = ul.getBoundingClientRect().bottom + 0.5, rows = ul.children, hidden = 0, cut = false, i;
    for (i = 0; i < rows.length; i++) {
      cut = cut || rows[i].getBoundingClientRect().bottom > bottom;
      if (!cut) continue;
      rows[i].style.display = "none";
      if (rows[i].className !== "pol") hidden++;
    }
    for (i = rows.length - 1; i >= 0 && rows[i].style.display === "none"; i--);
    if (i >= 0 && rows[i].className === "pol") rows[i].style.display = "none"; // a heading alone
    hidden += extra;
    more.textContent = hidden > 0 ? "+" + hidden + " more " + noun : "";
  }

  function oncall() {
    var ul = $("oc"), list = st ? st.oncall.slice() : [], order = {}, last = null;
    list.forEach(function (o, i) { if (!(o.policy_id in order)) order[o.policy_id] = i; });
    list.sort(function (a, b) { return order[a.policy_id] - order[b.policy_id] || a.level - b.level; });
    ul.textContent = "";
    list.forEach(function (o) {
      if (o.policy_id !== last) ul.appendChild(el("li", "pol", o.policy || o.policy_id));
      last = o.policy_id;
      var li = el("li", "who");
      li.appendChild(el("span", "lvl", "L" + o.level));
      li.appendChild(el("span", "name", o.user || o.user_id));
      li.appendChild(el("span", "until", until(o.until)));
      ul.appendChild(li);
    });
    if (!list.length) ul.appendChild(el("li", "none", st ? "Nobody on call" : "…"));
    fit(ul, $("oc-more"), 0, st && st.oncall_truncated ? "(list cut)" : "on call");
  }

  function incidents() {
    var ul = $("inc"), list = st ? st.incidents.slice() : [];
    var total = st ? st.triggered + st.acknowledged : 0;
    list.sort(function (a, b) { return Date.parse(b.created) - Date.parse(a.created); });
    ul.textContent = "";
    list.forEach(function (i) {
      var li = el("li", "inc " + i.status), info = el("span", "info");
      li.appendChild(el("span", "title", i.title));
      if (i.priority) info.appendChild(document.createTextNode(i.priority + " · "));
      info.appendChild(el("span", i.urgency === "high" ? "high" : "", i.urgency));
      info.appendChild(document.createTextNode(" · " + (i.status === "acknowledged" ? "acked" + (i.acknowledged_by ? " by " + i.acknowledged_by : "") : "triggered") +
        " · " + ago(now() - Date.parse(i.created)) + " · " + i.service));
      li.appendChild(info);
      ul.appendChild(li);
    });
    if (!list.length) ul.appendChild(el("li", "none", st ? "No open incidents" : "…"));
    fit(ul, $("inc-more"), Math.max(total - list.length, 0), "open");
  }

  function render() {
    band();
    oncall();
    incidents();
  }

  function heardFrom(d) {
    live = true;
    tries = 0;
    heard = Date.now();
    skew = d.now - heard;
    meta = d;
  }

  // The stream is gone: grey at once, then try again after 1, 2, 4 ... 30 s (with jitter).
  function drop() {
    if (es) es.close();
    es = null;
    live = false;
    tries++;
    render();
    clearTimeout(timer);
    timer = setTimeout(connect, Math.min(30000, 1000 * Math.pow(2, tries - 1)) * (0.75 + Math.random() / 2));
  }

  function connect() {
    es = new EventSource("events");
    es.addEventListener("state", function (e) {
      var d = JSON.parse(e.data);
      st = d.state;
      heardFrom(d);
      render();
    });
    // An unchanged poll. A state event this page missed (replaced by a newer one while it
    // was not reading) shows as another seq: the state is then fetched.
    es.addEventListener("poll", function (e) {
      var d = JSON.parse(e.data);
      heardFrom(d);
      render();
      if (st && d.seq !== st.seq) {
        fetch("state.json", {cache: "no-store"}).then(function (r) { return r.json(); }).then(function (s) {
          if (s.seq >= d.seq) st = s;
          render();
        }).catch(function () {}); // the next event tries again
      }
    });
    es.onerror = drop;
  }

  setInterval(function () {
    if (live && Date.now() - heard > meta.trust_ms) drop(); // silence: the stream is dead
    else render();
  }, 15000);
  window.addEventListener("resize", render);
  render();
  connect();
})();

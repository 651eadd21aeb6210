"""The UI's stylesheet and script, served as files by `serve` itself (no CDN, and the
Content-Security-Policy allows no inline script or style)."""

from __future__ import annotations

CSS = """
:root{--fg:#1b1f24;--muted:#4d5560;--line:#d0d7de;--bg:#fff;--soft:#f4f6f8;
--good:#116329;--warn:#7d4e00;--bad:#a40e26;--link:#0a58ca;--focus:#0a58ca}
*{box-sizing:border-box}
body{font:16px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:var(--fg);
background:var(--bg)}
a{color:var(--link)}
a:focus,button:focus,input:focus,select:focus,summary:focus,main:focus{
outline:3px solid var(--focus);outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1em;top:1em;background:#fff;padding:.4em}
.top{display:flex;justify-content:space-between;align-items:center;padding:.6em 1em;
border-bottom:1px solid var(--line);background:var(--soft)}
.brand{font-weight:700;text-decoration:none;color:var(--fg)}
main{padding:1em;max-width:90em;margin:0 auto}
h1{font-size:1.5em;margin:.2em 0 .6em;overflow-wrap:anywhere}
h2{font-size:1.2em;margin:1.4em 0 .5em}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%}
caption{text-align:left;font-weight:600;padding:.3em 0}
th,td{text-align:left;padding:.35em .5em;border-bottom:1px solid var(--line);vertical-align:top}
th{background:var(--soft)}
td.msg{overflow-wrap:anywhere;color:var(--muted);min-width:12em}
.muted{color:var(--muted)}
.badge{white-space:nowrap;font-weight:600}
.good{color:var(--good)}.warn{color:var(--warn)}.bad{color:var(--bad)}.unknown{color:var(--muted)}
tr.problem td:first-child{border-left:4px solid var(--bad)}
.counts{display:flex;flex-wrap:wrap;gap:.4em 1.2em;padding:0;list-style:none}
form.filters{display:flex;flex-wrap:wrap;gap:.5em;align-items:flex-end;margin-bottom:1em}
form.filters label{display:flex;flex-direction:column;font-size:.9em}
input,select,button{font:inherit;padding:.3em .5em}
button{cursor:pointer;border:1px solid var(--muted);background:var(--soft);border-radius:4px}
button.danger{border-color:var(--bad);color:var(--bad)}
form.inline{display:inline}
.actions{display:flex;flex-wrap:wrap;gap:.6em;align-items:center;margin:.6em 0}
.actions form{display:flex;gap:.4em;align-items:center;flex-wrap:wrap}
dl.summary{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}
dl.summary dt{font-weight:600}dl.summary dd{margin:0;overflow-wrap:anywhere}
ol.timeline{padding-left:1.2em}ol.timeline li{margin:.2em 0}
pre.diff{background:var(--soft);padding:.6em;overflow-x:auto;font-size:.85em}
pre.diff .add{color:var(--good);background:#e6f4ea}
pre.diff .del{color:var(--bad);background:#fbe9eb}
.notice{border:1px solid var(--line);background:var(--soft);padding:.5em .8em}
.notice.bad{border-color:var(--bad)}
code{font-size:.9em;overflow-wrap:anywhere}
@media (max-width:40em){main{padding:.5em}th,td{padding:.3em}
dl.summary{grid-template-columns:1fr}dl.summary dt{margin-top:.4em}}
"""

# Progressive enhancement: without it every page works and a reload shows news. With it,
# an EventSource on /ui/events hears that statuses changed and the page re-fetches itself
# and swaps in its live regions (elements with data-live and an id), keeping open
# <details> open. The server ends each stream after a while; EventSource reconnects.
JS = """
(function () {
  'use strict';
  var body = document.body;
  var stream = body && body.getAttribute('data-live-stream');
  if (!stream || !window.EventSource || !window.fetch || !window.DOMParser) { return; }
  var status = document.getElementById('live-status');
  var busy = false, again = false;
  function openDetails() {
    var open = [];
    document.querySelectorAll('details[open][id]').forEach(function (d) { open.push(d.id); });
    return open;
  }
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(window.location.href, {credentials: 'same-origin', headers: {'Accept': 'text/html'}})
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (text) {
        var doc = new DOMParser().parseFromString(text, 'text/html');
        var open = openDetails();
        document.querySelectorAll('[data-live][id]').forEach(function (el) {
          var fresh = doc.getElementById(el.id);
          if (fresh) { el.replaceWith(document.importNode(fresh, true)); }
        });
        open.forEach(function (id) {
          var d = document.getElementById(id); if (d) { d.open = true; }
        });
        if (status) { status.textContent = 'Updated ' + new Date().toLocaleTimeString(); }
      })
      .catch(function () {})
      .then(function () { busy = false; if (again) { again = false; refresh(); } });
  }
  var since = body.getAttribute('data-live-id') || '';
  var source = new EventSource('/ui/events?watch=' + encodeURIComponent(stream) +
    '&since=' + encodeURIComponent(since));
  source.addEventListener('change', refresh);
  body.setAttribute('data-live-connected', 'true');
})();
"""

/**
 * The dashboard's only script and style sheet, served as files from the dashboard's own origin
 * (the Content-Security-Policy allows nothing inline). The page works without the script: the
 * column headings are links that sort on the server; the script sorts in place instead.
 */
export const TABLE_SCRIPT = `'use strict';
(function () {
  var table = document.querySelector('table[data-sortable]');
  if (!table) return;
  var body = table.tBodies[0];
  table.querySelectorAll('thead th[data-column]').forEach(function (th, index) {
    var link = th.querySelector('a');
    if (!link) return;
    link.addEventListener('click', function (event) {
      event.preventDefault();
      var ascending = th.getAttribute('aria-sort') !== 'ascending';
      table.querySelectorAll('thead th').forEach(function (other) { other.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      var numeric = th.getAttribute('data-type') === 'number';
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[index].getAttribute('data-value');
        var y = b.cells[index].getAttribute('data-value');
        var order = numeric ? Number(x) - Number(y) : x.localeCompare(y);
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
      history.replaceState(null, '', link.getAttribute('href').replace(/dir=[a-z]+/, 'dir=' + (ascending ? 'asc' : 'desc')));
    });
  });
})();
`;

export const STYLE_SHEET = `
:root { color-scheme: light; --ink: #1f2430; --muted: #5b6475; --line: #dde1e8; --accent: #5470c6; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", "Noto Sans SC", "PingFang SC", sans-serif; color: var(--ink); background: #f6f7fb; }
header, main { max-width: 1080px; margin: 0 auto; padding: 16px; }
header { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: 8px; }
h1 { font-size: 1.4rem; margin: 0; overflow-wrap: anywhere; }
h2 { font-size: 1.1rem; margin: 24px 0 8px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 12px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
.card .label { color: var(--muted); font-size: .85rem; }
.card .value { font-size: 1.6rem; font-weight: 600; }
nav.periods a { margin-right: 12px; }
nav.periods a[aria-current] { font-weight: 700; text-decoration: none; color: var(--ink); }
figure { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 8px; }
figure svg { width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: .85rem; }
.scroll { overflow-x: auto; background: #fff; border: 1px solid var(--line); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; min-width: 560px; }
th, td { padding: 8px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
td.num, th[data-type=number] { text-align: right; }
td.title { overflow-wrap: anywhere; }
th a { color: inherit; }
th[aria-sort=ascending] a::after { content: " ▲"; }
th[aria-sort=descending] a::after { content: " ▼"; }
.hint, .muted { color: var(--muted); font-size: .85rem; }
ul.reviews { list-style: none; padding: 0; margin: 0; }
ul.reviews li { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px; margin-bottom: 8px; overflow-wrap: anywhere; }
ul.reviews blockquote { margin: 4px 0 0; white-space: pre-wrap; }
a { color: var(--accent); }
.message { max-width: 560px; margin: 15vh auto; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 24px; }
@media (max-width: 480px) { .card .value { font-size: 1.3rem; } header, main { padding: 12px; } }
`;

'use strict';
// The runs table follows the server's feed: new runs are inserted, changed ones replaced.
(function () {
  const table = document.getElementById('runs');
  if (!table || table.dataset.live !== 'true' || !window.EventSource) return;
  const body = table.tBodies[0];
  const feed = table.dataset.feed;
  const events = new EventSource('/ui/feed/runs' + (feed ? '?' + feed : ''));
  events.addEventListener('run', function (event) {
    const data = JSON.parse(event.data);
    const template = document.createElement('template');
    template.innerHTML = data.html.trim();
    const row = template.content.firstElementChild;
    const old = document.getElementById('run-' + data.id);
    if (old) {
      if (old.dataset.state !== row.dataset.state) old.replaceWith(row);
      return;
    }
    let before = null;
    for (const r of body.rows) {
      if (Number(r.dataset.id) < data.id) { before = r; break; }
    }
    body.insertBefore(row, before);
    while (body.rows.length > 50) body.deleteRow(body.rows.length - 1);
    const empty = document.getElementById('no-runs');
    if (empty) empty.remove();
  });
})();

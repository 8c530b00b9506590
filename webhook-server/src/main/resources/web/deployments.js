'use strict';
// "Roll back to this": confirmed, then the REST API's rollback; the history is followed meanwhile.
(function () {
  const section = document.getElementById('deployments');
  if (!section) return;
  const progress = document.getElementById('progress');
  const log = document.getElementById('rollback-log');

  async function refresh() {
    const response = await fetch(location.href, { credentials: 'same-origin' });
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), 'text/html');
    const table = page.querySelector('table.deployments');
    const mine = section.querySelector('table.deployments');
    if (table && mine) mine.replaceWith(document.importNode(table, true));
  }

  section.addEventListener('click', async function (event) {
    const button = event.target.closest('button[data-rollback]');
    if (!button) return;
    const id = button.dataset.rollback;
    if (!window.confirm('Roll back to deployment #' + id + ' (' + button.dataset.task + ')?')) return;
    section.querySelectorAll('button[data-rollback]').forEach(function (b) { b.disabled = true; });
    progress.textContent = 'Rolling back to deployment #' + id + '…';
    const timer = setInterval(refresh, 2000);
    try {
      const answer = await Gantry.post(button.dataset.service, { to: id, wait: true });
      progress.textContent = (answer.ok ? 'Rolled back: ' : 'Rollback failed: ') + (answer.data.message || answer.status);
      if (answer.data.log) {
        log.textContent = answer.data.log.join('\n');
        log.hidden = false;
      }
    } finally {
      clearInterval(timer);
      await refresh();
    }
  });
})();

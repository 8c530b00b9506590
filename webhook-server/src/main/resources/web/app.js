'use strict';
// Shared by every page: the session's CSRF token on mutating calls, ages kept current.
(function () {
  function csrf() {
    const m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.content : '';
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf() },
      body: body === undefined ? '' : JSON.stringify(body)
    });
    let data = {};
    try {
      data = await response.json();
    } catch (e) {
      data = { message: response.statusText };
    }
    return { ok: response.ok, status: response.status, data: data };
  }

  function age(seconds) {
    if (seconds < 60) return Math.max(0, Math.floor(seconds)) + 's ago';
    if (seconds < 3600) return Math.floor(seconds / 60) + ' min ago';
    if (seconds < 86400) return Math.floor(seconds / 3600) + ' h ago';
    return Math.floor(seconds / 86400) + ' d ago';
  }

  function ages() {
    const now = Date.now();
    document.querySelectorAll('time.age').forEach(function (t) {
      const at = Date.parse(t.getAttribute('datetime'));
      if (!isNaN(at)) t.textContent = age((now - at) / 1000);
    });
  }

  setInterval(ages, 15000);
  window.Gantry = { csrf: csrf, post: post, ages: ages };
})();

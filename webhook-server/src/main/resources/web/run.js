'use strict';
// A run page: step logs (live from the run's SSE stream while it runs, else read per step when
// opened), rendered incrementally, ANSI colours, ::group:: folded, #<step>-L<n> line links,
// timestamps, search; the jobs part refreshed while the run runs; rerun, cancel and dispatch.
(function () {
  const live = document.getElementById('live');
  if (!live) return;
  const runId = live.dataset.run;
  const CHUNK = 2000;
  // Lines in the page per step until asked for more: a huge log stays responsive (the rest is
  // one click, or the raw download, away).
  const SHOWN = 20000;
  const buffers = new Map();
  const touched = new Set();
  const scheduled = new Set();
  const orphans = new Map();
  let streaming = false;
  let target = null;

  function buffer(id) {
    let b = buffers.get(id);
    if (!b) {
      b = { lines: [], rendered: 0, n: 0, group: null, loaded: false, log: null, limit: SHOWN };
      buffers.set(id, b);
    }
    return b;
  }

  // ---- ANSI colours (SGR) to classes; everything else is text ----
  const SGR = /\x1b\[([0-9;]*)m/g;
  function ansi(element, text) {
    if (text.indexOf('\x1b[') < 0) {
      element.textContent = text;
      return;
    }
    let fg = null, bg = null, bold = false, last = 0, m;
    function add(s) {
      if (!s) return;
      const classes = [fg, bg, bold ? 'b' : null].filter(Boolean);
      if (!classes.length) {
        element.append(s);
        return;
      }
      const span = document.createElement('span');
      span.className = classes.join(' ');
      span.textContent = s;
      element.append(span);
    }
    SGR.lastIndex = 0;
    while ((m = SGR.exec(text))) {
      add(text.slice(last, m.index));
      last = SGR.lastIndex;
      const codes = m[1] === '' ? [0] : m[1].split(';').map(Number);
      for (let i = 0; i < codes.length; i++) {
        const c = codes[i];
        if (c === 0) { fg = null; bg = null; bold = false; }
        else if (c === 1) bold = true;
        else if (c === 22) bold = false;
        else if ((c >= 30 && c <= 37) || (c >= 90 && c <= 97)) fg = 'f' + c;
        else if (c === 39) fg = null;
        else if ((c >= 40 && c <= 47) || (c >= 100 && c <= 107)) bg = 'g' + c;
        else if (c === 49) bg = null;
        else if (c === 38 || c === 48) i += codes[i + 1] === 5 ? 2 : 4;
      }
    }
    add(text.slice(last));
  }

  // ---- rendering, a chunk per frame ----
  function lineText(details, raw) {
    const space = raw.indexOf(' ');
    const prefix = details.dataset.prefix;
    if (space > 0 && raw.startsWith(prefix, space + 1)) {
      return [raw.slice(0, space), raw.slice(space + 1 + prefix.length)];
    }
    const close = raw.indexOf('] ', space);
    if (space > 0 && raw[space + 1] === '[' && close > 0) return [raw.slice(0, space), raw.slice(close + 2)];
    return ['', raw];
  }

  function renderLine(details, b, raw) {
    b.n++;
    const parts = lineText(details, raw);
    const text = parts[1];
    if (text === '' && b.group) {
      b.group = null; // ::endgroup::
      return;
    }
    const div = document.createElement('div');
    div.className = 'line';
    div.id = details.dataset.id + '-L' + b.n;
    const a = document.createElement('a');
    a.className = 'ln';
    a.href = '#' + div.id;
    a.textContent = b.n;
    const ts = document.createElement('span');
    ts.className = 'ts';
    ts.textContent = parts[0];
    const tx = document.createElement('span');
    tx.className = 'tx';
    ansi(tx, text);
    div.append(a, ts, tx);
    if (text.startsWith('▸ ')) {
      const group = document.createElement('details');
      group.className = 'group';
      const summary = document.createElement('summary');
      summary.append(div);
      group.append(summary);
      b.log.append(group);
      b.group = group;
    } else {
      (b.group || b.log).append(div);
    }
  }

  function more(details, b) {
    let button = details.querySelector('button.more');
    const hidden = b.lines.length - b.rendered;
    if (b.rendered < b.limit || hidden <= 0) {
      if (button) button.remove();
      return;
    }
    if (!button) {
      button = document.createElement('button');
      button.type = 'button';
      button.className = 'more';
      button.addEventListener('click', function () {
        b.limit += SHOWN;
        schedule(details);
      });
      details.querySelector('.logbar').append(button);
    }
    button.textContent = 'Show ' + Math.min(SHOWN, hidden) + ' more lines (' + hidden + ' not shown)';
  }

  function schedule(details) {
    scheduled.add(details);
    if (scheduled.size === 1) requestAnimationFrame(pump);
  }

  function pump() {
    for (const details of Array.from(scheduled)) {
      const b = buffer(details.dataset.id);
      b.log = details.querySelector('.log');
      if (!details.open || !b.log) {
        scheduled.delete(details);
        continue;
      }
      const end = Math.min(b.lines.length, b.rendered + CHUNK, b.limit);
      for (; b.rendered < end; b.rendered++) renderLine(details, b, b.lines[b.rendered]);
      more(details, b);
      // For bench/ui: when the first log lines reached the page.
      if (end > 0 && !window.gantryFirstLinesAt) window.gantryFirstLinesAt = performance.now();
      if (b.rendered >= b.lines.length || b.rendered >= b.limit) scheduled.delete(details);
    }
    seekTarget();
    if (scheduled.size) requestAnimationFrame(pump);
  }

  function push(details, lines) {
    const b = buffer(details.dataset.id);
    for (const line of lines) b.lines.push(line);
    if (details.open) schedule(details);
  }

  // ---- a finished step's log, read as it arrives ----
  async function load(details) {
    const b = buffer(details.dataset.id);
    if (b.loaded || streaming) return;
    b.loaded = true;
    const response = await fetch(details.dataset.raw, { credentials: 'same-origin' });
    if (!response.ok || !response.body) return;
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let rest = '';
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      rest += decoder.decode(chunk.value, { stream: true });
      const parts = rest.split('\n');
      rest = parts.pop();
      push(details, parts);
    }
    rest += decoder.decode();
    if (rest) push(details, [rest]);
  }

  // ---- the live stream: each line to the step whose prefix it carries ----
  let byPrefix = new Map();
  function index() {
    byPrefix = new Map();
    document.querySelectorAll('details.step').forEach(function (d) {
      const list = byPrefix.get(d.dataset.prefix) || [];
      list.push(d);
      byPrefix.set(d.dataset.prefix, list);
      const waiting = orphans.get(d.dataset.prefix);
      if (waiting && streaming) {
        orphans.delete(d.dataset.prefix);
        push(d, waiting);
      }
    });
  }

  function route(raw) {
    const space = raw.indexOf(' ');
    const close = raw.indexOf('] ', space);
    const prefix = space > 0 && close > 0 ? raw.slice(space + 1, close + 2) : '';
    const list = byPrefix.get(prefix);
    if (!list) {
      const waiting = orphans.get(prefix) || [];
      if (waiting.length < 500000) waiting.push(raw);
      orphans.set(prefix, waiting);
      return;
    }
    let step = list[list.length - 1];
    for (const d of list) if (d.dataset.status === 'IN_PROGRESS') step = d;
    push(step, [raw]);
  }

  function stream() {
    streaming = true;
    const events = new EventSource('/api/runs/' + runId + '/logs/stream');
    // A follower that fell behind is dropped ('behind'); the browser reconnects by itself with
    // Last-Event-ID (the number of the last line it got) and the server resumes after it.
    events.addEventListener('log', function (e) { route(e.data); });
    events.addEventListener('end', function () {
      events.close();
      refresh(true);
    });
  }

  // ---- opening and closing steps ----
  function opened(details) {
    if (!details.open) return;
    if (!streaming) load(details);
    schedule(details);
  }

  function autoOpen(details) {
    if (touched.has(details.id)) return;
    const running = details.dataset.status === 'IN_PROGRESS';
    const failed = details.dataset.conclusion === 'failure';
    if ((running || failed) && !details.open) {
      details.open = true;
      opened(details);
    }
  }

  function bind() {
    document.querySelectorAll('details.step').forEach(function (d) {
      if (d.dataset.bound) return;
      d.dataset.bound = '1';
      d.addEventListener('toggle', function () { opened(d); });
      d.querySelector('summary').addEventListener('click', function () { touched.add(d.id); });
      autoOpen(d);
    });
  }

  // ---- the live part, swapped in when it changed; shown logs are kept ----
  let timer = null;
  async function refresh(force) {
    const response = await fetch('/runs/' + runId + '/live' + (force ? '' : '?sig=' + encodeURIComponent(live.dataset.sig)), { credentials: 'same-origin' });
    if (response.status === 200) {
      const html = await response.text();
      const keep = new Map();
      document.querySelectorAll('details.step').forEach(function (d) {
        keep.set(d.id, { log: d.querySelector('.log'), open: d.open });
      });
      live.innerHTML = html;
      live.dataset.sig = response.headers.get('X-Gantry-Sig') || '';
      live.dataset.completed = response.headers.get('X-Gantry-Completed') || 'false';
      document.querySelectorAll('details.step').forEach(function (d) {
        const k = keep.get(d.id);
        if (k) {
          d.querySelector('.log').replaceWith(k.log);
          d.open = k.open;
        }
      });
      index();
      bind();
      Gantry.ages();
    }
    if (live.dataset.completed === 'true' && timer) {
      clearInterval(timer);
      timer = null;
    }
  }

  // ---- #<step>-L<n>: open the step (and group) and show the line ----
  function seekTarget() {
    if (!target) return;
    const line = document.getElementById(target);
    if (!line) return;
    let group = line.closest('details.group');
    if (group) group.open = true;
    document.querySelectorAll('.line.target').forEach(function (l) { l.classList.remove('target'); });
    line.classList.add('target');
    line.scrollIntoView({ block: 'center' });
    target = null;
  }

  function follow() {
    const m = /^#(.+)-L(\d+)$/.exec(location.hash);
    if (!m) return;
    const details = document.getElementById('step-' + decodeURIComponent(m[1]));
    if (!details) return;
    target = decodeURIComponent(location.hash.slice(1));
    const b = buffer(details.dataset.id);
    b.limit = Math.max(b.limit, Number(m[2]) + SHOWN);
    touched.add(details.id);
    details.open = true;
    opened(details);
    seekTarget();
  }
  window.addEventListener('hashchange', follow);

  // ---- timestamps and search ----
  document.getElementById('ts').addEventListener('change', function (e) {
    document.body.classList.toggle('show-ts', e.target.checked);
  });
  const hits = document.getElementById('hits');
  let found = [], at = -1, debounce = null;
  function search(query) {
    document.querySelectorAll('.line.hit').forEach(function (l) { l.classList.remove('hit'); });
    found = [];
    at = -1;
    if (query) {
      const q = query.toLowerCase();
      document.querySelectorAll('details.step[open] .line').forEach(function (l) {
        if (l.lastChild.textContent.toLowerCase().indexOf(q) >= 0) {
          l.classList.add('hit');
          found.push(l);
        }
      });
    }
    hits.textContent = query ? found.length + ' matching lines' : '';
    next();
  }
  function next() {
    if (!found.length) return;
    at = (at + 1) % found.length;
    const group = found[at].closest('details.group');
    if (group) group.open = true;
    found[at].scrollIntoView({ block: 'center' });
  }
  const box = document.getElementById('search');
  box.addEventListener('input', function () {
    clearTimeout(debounce);
    debounce = setTimeout(function () { search(box.value); }, 200);
  });
  box.addEventListener('keydown', function (e) {
    if (e.key === 'Enter') {
      e.preventDefault();
      next();
    }
  });

  // ---- actions through the REST API ----
  document.addEventListener('click', async function (e) {
    const button = e.target.closest('button[data-action]');
    if (!button) return;
    const result = button.parentElement.querySelector('.result');
    const action = button.dataset.action;
    if (action === 'cancel' && !window.confirm('Cancel run ' + runId + '?')) return;
    button.disabled = true;
    const answer = action === 'cancel'
      ? await Gantry.post('/api/runs/' + runId + '/cancel')
      : await Gantry.post('/api/runs/' + runId + '/rerun', { failedOnly: action === 'rerun-failed' });
    if (!answer.ok) {
      result.textContent = answer.data.message || ('failed: ' + answer.status);
      button.disabled = false;
      return;
    }
    if (action === 'cancel') {
      result.textContent = 'Cancelling…';
      refresh(true);
    } else {
      location.assign('/runs/' + answer.data.id);
    }
  });

  const dispatch = document.getElementById('dispatch');
  if (dispatch) {
    dispatch.addEventListener('submit', async function (e) {
      e.preventDefault();
      const inputs = {};
      dispatch.querySelectorAll('[name^="input."]').forEach(function (field) {
        const name = field.name.slice(6);
        inputs[name] = field.dataset.boolean ? String(field.checked) : field.value;
      });
      const result = dispatch.querySelector('.result');
      result.textContent = 'Starting…';
      const answer = await Gantry.post('/api/runs', {
        repo: dispatch.dataset.repo,
        ref: dispatch.elements.ref.value,
        workflow: dispatch.dataset.workflow,
        inputs: inputs
      });
      if (answer.ok) location.assign('/runs/' + answer.data.id);
      else result.textContent = answer.data.message || ('failed: ' + answer.status);
    });
  }

  streaming = live.dataset.completed !== 'true';
  index();
  bind();
  if (streaming) {
    stream();
    timer = setInterval(refresh, 1500);
  }
  follow();
})();

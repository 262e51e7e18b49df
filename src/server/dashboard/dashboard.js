// The fleet dashboard's logic. It reads the visible pages (a page of hives, a page of workers) from /api/*,
// refreshes them twice a second (heartbeats change numbers without making events), and follows /events for
// transitions and the event tail. The browser's EventSource reconnects by itself and sends Last-Event-ID, so a
// restart of the server resumes the feed; `event: compacted` means events were lost, and the page reloads its
// data in full. Work per refresh is bounded by the page size, whatever the fleet's size.

const REFRESH_MS = 500;
const WORKER_PAGE = 100;
const HIVE_PAGE = 24;
const TAIL = 200;
/** Events of the past replayed into the tail when the page opens. */
const TAIL_REPLAY = 50;

const $ = (id) => document.getElementById(id);

/** What tests and curious operators can read from the console. */
const state = {
  rev: 0,
  /** Full reloads after `event: compacted`. */
  reloads: 0,
  /** Times the event stream (re)opened. */
  connects: 0,
  live: false,
  events: 0,
  filters: { hive: '', model: '', state: '' },
  workerCursors: [0],
  hiveCursors: [0],
  nextWorkerCursor: 0,
  nextHiveCursor: 0,
  clockOffsetMs: 0,
  summary: null,
};
window.dashboard = state;

async function getJson(path) {
  const res = await fetch(path, { cache: 'no-store', credentials: 'same-origin' });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

const query = (params) =>
  new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '' && v !== null && v !== undefined)).toString();

// ── formatting ─────────────────────────────────────────────────────────────────────────────────────────────

function bytes(n) {
  if (n === null || n === undefined) return '–';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${n >= 100 || i === 0 ? Math.round(n) : n.toFixed(1)} ${units[i]}`;
}

function age(ms) {
  if (ms < 0) ms = 0;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('data-')) node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const c of children) node.append(c);
  return node;
}

function meter(used, total, label) {
  const pct = total ? Math.min(100, (used / total) * 100) : 0;
  const bar = el('i');
  bar.style.width = `${pct}%`;
  return el('div', { class: 'meter', title: label }, bar, el('span', { text: label }));
}

/** Registry time now, by the server's clock as of the last summary. */
const serverNow = () => Date.now() + state.clockOffsetMs;

// ── rendering ──────────────────────────────────────────────────────────────────────────────────────────────

function renderSummary(s) {
  state.summary = s;
  state.clockOffsetMs = s.now_ms - Date.now();
  $('totals').textContent =
    `${s.workers.online} / ${s.workers.total} workers online · ${s.hives.online} / ${s.hives.total} hives online` +
    (s.workers.skewed ? ` · ${s.workers.skewed} with clock skew` : '');
  const g = s.guard;
  const banner = $('guard');
  if (g.active) {
    banner.hidden = false;
    banner.textContent =
      `Expiry guard active (${g.mode}): evictions are held — ${s.workers.online} workers online of ${g.baseline} ` +
      `when it tripped; it lifts when more than ${100 - g.percent}% of them are back.`;
  } else if (g.mode === 'on') {
    banner.hidden = false;
    banner.textContent = 'Expiry guard forced on (REGISTRY.GUARD ON): evictions are held.';
  } else banner.hidden = true;
}

function renderHives(page) {
  const list = $('hive-list');
  const cards = page.items.map((h) => {
    const vram = h.vram_total ? `VRAM ${bytes(h.vram_used)} / ${bytes(h.vram_total)}` : `VRAM ${bytes(h.vram_used)}`;
    const card = el(
      'div',
      { class: 'hive', 'data-online': String(h.online), 'data-hive': h.hive_id, title: 'show this hive’s workers' },
      el('div', { class: 'name', text: h.hive_id }),
      el('div', {
        class: 'meta',
        text: `${h.online ? 'online' : 'offline'} · ${h.online_workers} / ${h.workers} workers · RAM ${bytes(h.ram_used)}`,
      }),
      meter(h.vram_used, h.vram_total ?? h.vram_used, vram),
    );
    card.addEventListener('click', () => setFilters({ ...state.filters, hive: h.hive_id }));
    return card;
  });
  list.replaceChildren(...cards);
  $('hive-ids').replaceChildren(...page.items.map((h) => el('option', { value: h.hive_id })));
  state.nextHiveCursor = page.cursor;
  $('hives-page').textContent = `page ${state.hiveCursors.length}`;
  $('hives-prev').disabled = state.hiveCursors.length === 1;
  $('hives-next').disabled = page.cursor === 0;
}

function workerRow(w, now) {
  const vramLabel = w.vram === null ? '–' : w.vram_total ? `${bytes(w.vram)} / ${bytes(w.vram_total)}` : bytes(w.vram);
  return el(
    'tr',
    { 'data-worker': w.worker_id, 'data-online': String(w.online), 'data-state': w.state },
    el('td', { text: w.worker_id, title: w.url ?? '' }),
    el('td', { text: w.hive_id }),
    el(
      'td',
      { class: 'live', title: w.online ? 'online' : 'offline' },
      el('span', { class: 'dot' }),
      ` ${w.online ? 'online' : 'offline'}`,
    ),
    el('td', { class: `state state-${w.state}`, text: w.state }),
    el('td', { class: `health-${w.health}`, text: w.health }),
    el('td', { text: w.model_id ?? '–' }),
    el('td', { text: w.backend ?? '–' }),
    el('td', { class: 'num gpu', text: w.gpu_percent === null ? '–' : `${w.gpu_percent}%` }),
    el('td', {}, w.vram === null ? '–' : meter(w.vram, w.vram_total ?? w.vram, vramLabel)),
    el('td', { class: 'num seen', 'data-seen': String(w.last_seen_ms), text: age(now - w.last_seen_ms) }),
    el('td', { class: 'num', text: w.skew_ms === null ? '–' : `${w.skew_ms} ms` }),
  );
}

function renderWorkers(page) {
  const rows = page.items.map((w) => workerRow(w, page.now_ms));
  $('worker-rows').replaceChildren(...rows);
  $('workers-empty').hidden = rows.length > 0;
  const models = new Set(page.items.map((w) => w.model_id).filter((m) => m !== null));
  $('model-ids').replaceChildren(...[...models].sort().map((m) => el('option', { value: m })));
  state.nextWorkerCursor = page.cursor;
  const of = page.matched === undefined ? '' : ` of ${Math.max(1, Math.ceil(page.matched / WORKER_PAGE))}`;
  $('workers-page').textContent = `page ${state.workerCursors.length}${of}`;
  $('workers-prev').disabled = state.workerCursors.length === 1;
  $('workers-next').disabled = page.cursor === 0;
}

/** Ages tick between refreshes without asking the server. */
function tickAges() {
  const now = serverNow();
  for (const td of document.querySelectorAll('td.seen')) td.textContent = age(now - Number(td.dataset.seen));
}

function describe(e) {
  const parts = [e.worker_id ?? e.hive_id ?? ''];
  if (e.worker_id && e.hive_id) parts.push(`@${e.hive_id}`);
  for (const k of ['state', 'health', 'model_id', 'moved_from', 'mode', 'online', 'baseline', 'workers', 'hives']) {
    if (e[k] !== undefined && e[k] !== null) parts.push(`${k}=${e[k]}`);
  }
  return parts.join(' ');
}

function addEvent(e) {
  const list = $('event-list');
  const time = new Date(e.at_ms).toISOString().slice(11, 23);
  list.prepend(
    el(
      'li',
      { class: `ev-${e.type}`, 'data-rev': String(e.rev), title: JSON.stringify(e) },
      el('span', { class: 't', text: `${time} #${e.rev} ` }),
      `${e.type} ${describe(e)}`,
    ),
  );
  while (list.childElementCount > TAIL) list.lastElementChild.remove();
}

/** An event about a worker on screen changes its row at once, before the refresh brings the rest. */
function patchRow(e) {
  if (!e.worker_id) return false;
  const row = document.querySelector(`tr[data-worker="${CSS.escape(e.worker_id)}"]`);
  if (row === null) return e.type === 'worker.online';
  if (e.type === 'worker.offline') row.dataset.online = 'false';
  if (e.type === 'worker.online') row.dataset.online = 'true';
  if (e.type === 'worker.offline' || e.type === 'worker.online') {
    row.querySelector('td.live').replaceChildren(el('span', { class: 'dot' }), ` ${e.type === 'worker.online' ? 'online' : 'offline'}`);
  }
  if (e.state) {
    const cell = row.querySelector('td.state');
    cell.textContent = e.state;
    cell.className = `state state-${e.state}`;
    row.dataset.state = e.state;
  }
  return true;
}

// ── data ───────────────────────────────────────────────────────────────────────────────────────────────────

let refreshing = null;
let refreshAgain = false;

async function refresh() {
  if (refreshing !== null) {
    refreshAgain = true;
    return refreshing;
  }
  refreshing = (async () => {
    try {
      const f = state.filters;
      const workerCursor = state.workerCursors[state.workerCursors.length - 1];
      const hiveCursor = state.hiveCursors[state.hiveCursors.length - 1];
      const [s, hives, workers] = await Promise.all([
        getJson('api/summary'),
        getJson(`api/hives?${query({ cursor: hiveCursor, limit: HIVE_PAGE })}`),
        getJson(`api/workers?${query({ cursor: workerCursor, limit: WORKER_PAGE, ...f })}`),
      ]);
      renderSummary(s);
      renderHives(hives);
      renderWorkers(workers);
      $('filters').dataset.error = '';
      return s;
    } finally {
      refreshing = null;
    }
  })();
  const result = await refreshing;
  if (refreshAgain) {
    refreshAgain = false;
    void refresh();
  }
  return result;
}

let pending = null;
/** Coalesces the refreshes many events ask for into one. */
function refreshSoon() {
  if (pending !== null) return;
  pending = setTimeout(() => {
    pending = null;
    refresh().catch(showError);
  }, 50);
}

function showError(err) {
  $('conn').dataset.state = 'reconnecting';
  $('conn').textContent = String(err.message ?? err).slice(0, 120);
}

/** The full read: everything the page shows, and the revision the stream goes on from. */
async function reload() {
  const s = await refresh();
  state.rev = Math.max(state.rev, s.rev);
  $('rev').textContent = `rev ${state.rev}`;
  return s;
}

let source = null;

function connect() {
  source?.close();
  state.connects++;
  // The first connection starts a little back, so the tail shows what happened just before the page opened;
  // replayed events change nothing the full read did not already show.
  const since = state.connects === 1 && state.summary ? Math.max(state.summary.oldest_rev - 1, state.rev - TAIL_REPLAY) : state.rev;
  source = new EventSource(`events?since=${since}`);
  source.addEventListener('hello', () => {
    state.live = true;
    $('conn').dataset.state = 'live';
    $('conn').textContent = 'live';
    // After a reconnect the pages may be stale (the server may have restarted): read them again.
    refreshSoon();
  });
  source.addEventListener('message', (m) => {
    const e = JSON.parse(m.data);
    state.rev = Math.max(state.rev, e.rev);
    state.events++;
    $('rev').textContent = `rev ${state.rev}`;
    addEvent(e);
    patchRow(e);
    refreshSoon();
  });
  source.addEventListener('compacted', (m) => {
    const info = JSON.parse(m.data);
    state.reloads++;
    state.rev = info.rev;
    addEvent({ type: 'compacted', rev: info.rev, at_ms: serverNow(), hive_id: 'events were lost: full reload' });
    reload().catch(showError);
  });
  source.addEventListener('error', () => {
    state.live = false;
    $('conn').dataset.state = 'reconnecting';
    $('conn').textContent = 'reconnecting';
    // EventSource retries by itself after a dropped stream; after a refused answer it gives up: start again.
    if (source.readyState === EventSource.CLOSED) setTimeout(connect, 1000);
  });
}

function setFilters(f) {
  state.filters = f;
  state.workerCursors = [0];
  $('f-hive').value = f.hive;
  $('f-model').value = f.model;
  $('f-state').value = f.state;
  refresh().catch(showError);
}

function wire() {
  const read = () => ({ hive: $('f-hive').value.trim(), model: $('f-model').value.trim(), state: $('f-state').value });
  $('filters').addEventListener('change', () => setFilters(read()));
  $('filters').addEventListener('submit', (ev) => {
    ev.preventDefault();
    setFilters(read());
  });
  $('f-clear').addEventListener('click', () => setFilters({ hive: '', model: '', state: '' }));
  $('workers-next').addEventListener('click', () => {
    state.workerCursors.push(state.nextWorkerCursor);
    refresh().catch(showError);
  });
  $('workers-prev').addEventListener('click', () => {
    if (state.workerCursors.length > 1) state.workerCursors.pop();
    refresh().catch(showError);
  });
  $('hives-next').addEventListener('click', () => {
    state.hiveCursors.push(state.nextHiveCursor);
    refresh().catch(showError);
  });
  $('hives-prev').addEventListener('click', () => {
    if (state.hiveCursors.length > 1) state.hiveCursors.pop();
    refresh().catch(showError);
  });
}

async function start() {
  wire();
  for (;;) {
    try {
      await reload();
      break;
    } catch (err) {
      showError(err);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  connect();
  setInterval(() => {
    if (!document.hidden) refresh().catch(showError);
  }, REFRESH_MS);
  setInterval(tickAges, 250);
}

void start();

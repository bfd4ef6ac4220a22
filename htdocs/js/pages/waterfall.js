// Waterfall: builders as columns, time flowing down (newest at the top), builds
// as boxes placed by their start and end. One request (views/waterfall.json,
// htdocs/README.md "views") brings the builders and every build of the window
// as parallel arrays (no object per build); the page then only lays out, into
// typed arrays. Only the boxes and builder labels in and around the visible
// part are in the DOM (rebuilt when scrolling leaves the drawn area), so
// 50,000 builds cost as much as the ~2,000 on screen. Live: builds events
// refetch, debounced.
//
// Also exports the helpers the console and grid pages share, and starts the
// views request of the page being opened as soon as this module is evaluated
// (before the app has loaded every page module).
import { getJSON, setting as readSetting, config as appConfig } from '../lib.js';

export const route = '/waterfall';
export const title = 'Waterfall';
export const plugin = 'waterfall_view';
export const nav = true;
export const settings = [
  { key: 'Waterfall.limit', type: 'integer', default: 50000, label: 'Most builds the waterfall loads (server maximum 100000)' },
  { key: 'Waterfall.min_column_width_waterfall', type: 'integer', default: 40, label: 'Waterfall column width (px)' },
  { key: 'Waterfall.show_builders_without_builds', type: 'bool', default: false, label: 'Waterfall: show builders without builds in the window' },
];

const HEADER_HEIGHT = 140;
const AXIS_WIDTH = 74;
const MIN_BOX = 3;
const MAX_HEIGHT = 100000;
const REFRESH_DELAY_MS = 1500;

// ---------------------------------------------------------------- shared helpers

const STYLE = `
.bb-view .view-status { color: var(--muted); font-size: 12px; }
.bb-view .view-toolbar { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-bottom: 8px; }
.bb-view .view-toolbar input[type=text] { padding: 3px 6px; border: 1px solid var(--line); border-radius: 4px; }
.wf-grid { display: grid; grid-template-columns: ${AXIS_WIDTH}px minmax(0, 1fr); grid-template-rows: ${HEADER_HEIGHT}px minmax(0, 1fr);
  height: calc(100vh - 170px); min-height: 320px; background: var(--card); border: 1px solid var(--line); border-radius: 4px; }
.wf-corner { border-right: 1px solid var(--line); border-bottom: 1px solid var(--line); font-size: 11px; color: var(--muted); padding: 4px; display: flex; align-items: flex-end; }
.wf-head { overflow: hidden; position: relative; border-bottom: 1px solid var(--line); }
.wf-axis { overflow: hidden; position: relative; border-right: 1px solid var(--line); }
.wf-body { overflow: auto; position: relative; }
.wf-inner { position: relative; }
.wf-label { position: absolute; bottom: 0; contain: strict; height: ${HEADER_HEIGHT - 4}px; writing-mode: vertical-rl; transform: rotate(180deg);
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; font-size: 12px; line-height: 1; padding: 2px 0; text-align: left; }
.wf-tick { position: absolute; right: 4px; font-size: 11px; color: var(--muted); transform: translateY(-50%); white-space: nowrap; }
.wf-rule { position: absolute; left: 0; right: 0; border-top: 1px solid #eef1f4; }
.wf-box { position: absolute; background: var(--result); border-radius: 2px; color: #fff; font-size: 10px; line-height: 12px;
  overflow: hidden; text-align: center; box-shadow: inset 0 0 0 1px rgba(0,0,0,.12); contain: strict; }
.wf-box:hover { text-decoration: none; outline: 2px solid var(--fg); z-index: 1; }
.wf-box.result-pending { animation: pulse 1.6s ease-in-out infinite; }
.cv-table { border-collapse: collapse; background: var(--card); font-size: 12px; table-layout: fixed; }
.cv-table th, .cv-table td { border: 1px solid #e4e8ec; padding: 2px 4px; vertical-align: middle; }
.cv-table thead { position: sticky; top: 0; background: var(--card); z-index: 2; }
.cv-table thead th { background: var(--card); overflow: hidden; }
.cv-table th.cv-builder { height: 130px; vertical-align: bottom; padding: 2px 1px; min-width: 22px; }
.cv-table th.cv-builder a { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; display: inline-block; max-height: 124px; overflow: hidden; text-overflow: ellipsis; }
.cv-table td.cv-change, .cv-table th.cv-change { text-align: left; overflow: hidden; }
.cv-table td.cv-cell { text-align: center; overflow: hidden; }
.cv-chip { display: inline-block; min-width: 16px; height: 16px; margin: 1px; padding: 0 3px; border-radius: 3px; background: var(--result);
  color: #fff; font-size: 10px; line-height: 16px; text-align: center; }
.cv-chip:hover { text-decoration: none; outline: 2px solid var(--fg); }
.cv-chip.result-pending { animation: pulse 1.6s ease-in-out infinite; }
.cv-rev { font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.cv-comment { display: block; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 340px; }
.gd-wrap, .cv-wrap { overflow: auto; max-height: calc(100vh - 170px); border: 1px solid var(--line); border-radius: 4px; }
.gd-table th.gd-rev { text-align: left; font-weight: normal; vertical-align: bottom; }
.gd-table td.cv-cell { text-align: left; }
.gd-table th.gd-builder { text-align: left; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; background: var(--card); }
.vg { display: grid; height: calc(100vh - 170px); min-height: 320px; background: var(--card); border: 1px solid var(--line); border-radius: 4px; }
.vg-corner { border-right: 1px solid var(--line); border-bottom: 1px solid var(--line); font-size: 12px; color: var(--muted); padding: 4px 6px; display: flex; align-items: flex-end; }
.vg-head { overflow: hidden; position: relative; border-bottom: 1px solid var(--line); }
.vg-side { overflow: hidden; position: relative; border-right: 1px solid var(--line); }
.vg-body { overflow: auto; position: relative; }
.vg-inner { position: relative; }
.vg-inner > * { position: absolute; overflow: hidden; box-sizing: border-box; contain: strict; }
.vg-cell { border-right: 1px solid #eef1f4; border-bottom: 1px solid #eef1f4; padding: 1px; line-height: 0; }
.vg-vlabel { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; text-overflow: ellipsis; font-size: 12px; padding: 2px 0; text-align: left; }
.vg-label { border-bottom: 1px solid #eef1f4; padding: 2px 6px; font-size: 12px; }
.vg-hlabel { border-right: 1px solid #eef1f4; padding: 2px 4px; font-size: 12px; }
`;

export function ensureViewStyles() {
  if (document.getElementById('bb-views-style')) return;
  const style = document.createElement('style');
  style.id = 'bb-views-style';
  style.textContent = STYLE;
  document.head.appendChild(style);
}

export function queryString(params) {
  const parts = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    parts.push(encodeURIComponent(key) + '=' + encodeURIComponent(String(value)));
  }
  return parts.length ? '?' + parts.join('&') : '';
}

export function buildHref(build) {
  return '#/builders/' + build.builderid + '/builds/' + build.number;
}

export function buildTitle(ctx, build, builderName) {
  const r = ctx.result(build.complete === false || build.complete_at === null ? null : build.results);
  const text = (builderName ? builderName + ' ' : '') + '#' + build.number + ': ' + (build.state_string || r.name);
  const end = build.complete_at || (build.complete ? null : Date.now() / 1000);
  return build.started_at && end ? text + ' (' + ctx.duration(end - build.started_at) + ')' : text;
}

// Build i of a columnar "builds" answer as an object with absolute times
// ({buildid, builderid, number, results, complete, started_at, complete_at,
// state_string}; complete_at only in the waterfall).
export function buildAt(builds, i) {
  const t0 = builds.t0;
  const started = builds.started_at[i];
  const b = {
    buildid: builds.buildid[i], builderid: builds.builderid[i], number: builds.number[i],
    results: builds.results[i], started_at: started === null ? null : t0 + started,
    state_string: builds.state_string ? builds.state_string[i] : null,
  };
  if (builds.complete_at) {
    const done = builds.complete_at[i];
    b.complete_at = done === null ? null : t0 + done;
    b.complete = done !== null;
  } else {
    b.complete = !!builds.complete[i];
  }
  return b;
}

// Builds events (new, finished, ...) trigger one refetch per quiet period.
export function liveRefresh(ctx, reload) {
  let timer = null;
  let running = false;
  let again = false;
  const fire = async () => {
    timer = null;
    if (ctx.alive && !ctx.alive()) return;
    if (running) { again = true; return; }
    running = true;
    try { await reload(); } catch (err) { console.warn('view refresh failed', err); }
    running = false;
    if (again) { again = false; timer = setTimeout(fire, REFRESH_DELAY_MS); }
  };
  ctx.subscribe('builds/*/*', () => { if (!timer) timer = setTimeout(fire, REFRESH_DELAY_MS); });
  return () => { if (timer) clearTimeout(timer); timer = null; };
}

// ?tags=a,b keeps builders carrying any of the tags.
export function tagFilter(builders, tagsText) {
  const wanted = String(tagsText || '').split(',').map((t) => t.trim()).filter(Boolean);
  if (!wanted.length) return builders;
  return builders.filter((b) => (b.tags || []).some((t) => wanted.includes(t)));
}

// The DOM marker benchmarks and browser tests wait for: data-rendered counts
// renders, data-rendered-at is performance.now() once laid out.
// data-data-at is when the views answer had arrived (set by fetchView).
export function markRendered(node) {
  void node.offsetHeight;                    // lay out before stamping
  node.dataset.renderedAt = String(Math.round(performance.now()));
  if (lastDataAt !== null) node.dataset.dataAt = String(Math.round(lastDataAt));
  node.dataset.rendered = String(Number(node.dataset.rendered || 0) + 1);
}

let lastDataAt = null;

// The request each view makes for a hash query (q: first value of each key).
const clamp = (value, lo, hi, dflt) => Math.min(hi, Math.max(lo, Number(value) || dflt));
export const viewParams = {
  waterfall: (q, setting) => ({
    since: q.since, until: q.until, builders: q.builders,
    limit: q.limit || clamp(setting('Waterfall.limit', 50000), 1, 100000, 50000),
  }),
  console: (q, setting) => ({ changes: q.changes || clamp(setting('Console.changeLimit', 25), 1, 200, 25) }),
  grid: (q, setting) => ({ branch: q.branch, revisions: q.revisions || clamp(setting('Grid.revisionLimit', 10), 1, 100, 10) }),
};
const PLUGINS = { waterfall: 'waterfall_view', console: 'console_view', grid: 'grid_view' };

// url -> {at, promise}: a request started before the page asked for it.
const early = new Map();
const EARLY_MAX_AGE_MS = 10000;

function viewURL(name, params) {
  return 'views/' + name + '.json' + queryString(params);
}

// When the app is opened on #/waterfall, #/console or #/grid, start that
// page's request now: this module is evaluated well before the app has
// loaded all its page modules and routes.
function requestEarly() {
  const hash = location.hash.replace(/^#!?/, '');
  const qi = hash.indexOf('?');
  const path = (qi >= 0 ? hash.slice(0, qi) : hash).replace(/^\/+|\/+$/g, '');
  if (!Object.prototype.hasOwnProperty.call(viewParams, path)) return;
  if (!Object.prototype.hasOwnProperty.call((appConfig && appConfig.plugins) || {}, PLUGINS[path])) return;
  const q = {};
  for (const [k, v] of new URLSearchParams(qi >= 0 ? hash.slice(qi + 1) : '')) if (!(k in q)) q[k] = v;
  const url = viewURL(path, viewParams[path](q, readSetting));
  const promise = getJSON(url);
  promise.catch(() => {});                   // reported when (if) used
  early.set(url, { at: performance.now(), promise });
}
try { requestEarly(); } catch (err) { console.warn('early views request not made', err); }

// GET views/<name>.json with params; notes when the data was in.
export async function fetchView(ctx, name, params) {
  const url = viewURL(name, params);
  const pending = early.get(url);
  early.clear();                             // one use; later loads are fresh
  const json = pending && performance.now() - pending.at < EARLY_MAX_AGE_MS ? await pending.promise : await ctx.getJSON(url);
  lastDataAt = performance.now();
  return json;
}

export function hashWith(path, query, changes) {
  const next = Object.assign({}, query, changes);
  return '#' + path + queryString(next);
}

// A grid with a frozen header row and label column whose cells, labels and
// headers exist in the DOM only in and around the visible area (console and
// grid: 1,000 builders make tens of thousands of cells otherwise).
// spec: rows, cols, rowHeight, colWidth, headerHeight, labelWidth, corner
// (node), header(c), label(r), cell(r, c) -> node or null.
export function virtualGrid(spec) {
  const make = (cls) => { const d = document.createElement('div'); d.className = cls; return d; };
  const headInner = make('vg-inner'), sideInner = make('vg-inner'), bodyInner = make('vg-inner');
  const head = make('vg-head'), side = make('vg-side'), body = make('vg-body'), corner = make('vg-corner');
  head.appendChild(headInner); side.appendChild(sideInner); body.appendChild(bodyInner);
  const root = make('vg');
  root.append(corner, head, side, body);
  let s = null, painted = null, frame = 0;

  function place(node, x, y, w, h) {
    node.style.cssText = 'left:' + x + 'px;top:' + y + 'px;width:' + w + 'px;height:' + h + 'px';
    return node;
  }

  // tight: only what is on screen (update); else half a screen more each way
  function paint(force, tight) {
    frame = 0;
    if (!s) return;
    const left = body.scrollLeft, top = body.scrollTop;
    const vw = body.clientWidth || 1200, vh = body.clientHeight || 800;
    if (!force && painted && left >= painted.left && left + vw <= painted.right
        && top >= painted.top && top + vh <= painted.bottom) return;
    const mx = tight ? 0 : vw / 2, my = tight ? 0 : vh / 2;
    painted = { left: Math.max(0, left - mx), right: left + vw + mx, top: Math.max(0, top - my), bottom: top + vh + my };
    const c0 = Math.floor(painted.left / s.colWidth), c1 = Math.min(s.cols - 1, Math.floor(painted.right / s.colWidth));
    const r0 = Math.floor(painted.top / s.rowHeight), r1 = Math.min(s.rows - 1, Math.floor(painted.bottom / s.rowHeight));
    const heads = document.createDocumentFragment(), labels = document.createDocumentFragment(), cells = document.createDocumentFragment();
    for (let c = c0; c <= c1; c++) heads.appendChild(place(s.header(c), c * s.colWidth, 0, s.colWidth, s.headerHeight));
    for (let r = r0; r <= r1; r++) {
      labels.appendChild(place(s.label(r), 0, r * s.rowHeight, s.labelWidth, s.rowHeight));
      for (let c = c0; c <= c1; c++) {
        const content = s.cell(r, c);
        if (!content) continue;
        const cell = make('vg-cell');
        cell.appendChild(content);
        cells.appendChild(place(cell, c * s.colWidth, r * s.rowHeight, s.colWidth, s.rowHeight));
      }
    }
    headInner.replaceChildren(heads);
    sideInner.replaceChildren(labels);
    bodyInner.replaceChildren(cells);
  }

  body.addEventListener('scroll', () => {
    head.scrollLeft = body.scrollLeft;
    side.scrollTop = body.scrollTop;
    if (!frame) frame = requestAnimationFrame(() => paint(false));
  }, { passive: true });

  return {
    element: root,
    update(next) {
      s = next;
      root.style.gridTemplateColumns = s.labelWidth + 'px minmax(0, 1fr)';
      root.style.gridTemplateRows = s.headerHeight + 'px minmax(0, 1fr)';
      corner.replaceChildren(s.corner || '');
      const width = s.cols * s.colWidth, height = s.rows * s.rowHeight;
      bodyInner.style.cssText = 'width:' + width + 'px;height:' + height + 'px';
      headInner.style.cssText = 'width:' + (width + 40) + 'px;height:' + s.headerHeight + 'px';
      sideInner.style.cssText = 'width:' + s.labelWidth + 'px;height:' + (height + 40) + 'px';
      paint(true, true);
      head.scrollLeft = body.scrollLeft;
      side.scrollTop = body.scrollTop;
    },
    repaint() { paint(true); },
    cancel() { if (frame) cancelAnimationFrame(frame); frame = 0; },
  };
}

// A cell's chips: one link per build (indices into the columnar builds),
// colored by result.
export function chips(ctx, builds, indices, builderName, testid) {
  const span = document.createElement('span');
  for (const i of indices) {
    const build = buildAt(builds, i);
    const a = document.createElement('a');
    a.className = 'cv-chip ' + ctx.result(build.complete ? build.results : null).cls;
    a.href = buildHref(build);
    a.title = buildTitle(ctx, build, builderName);
    a.dataset.testid = testid;
    a.dataset.buildid = build.buildid;
    a.textContent = build.number;
    span.appendChild(a);
  }
  return span;
}

// ---------------------------------------------------------------- waterfall

function niceStep(pixelsPerSecond) {
  const steps = [60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];
  for (const s of steps) if (s * pixelsPerSecond >= 48) return s;
  return steps[steps.length - 1];
}

// Local dates as YYYY-MM-DD HH:MM (no Intl: its first use costs tens of ms).
const pad2 = (n) => (n < 10 ? '0' : '') + n;
function dayText(d) {
  return d.getFullYear() + '-' + pad2(d.getMonth() + 1) + '-' + pad2(d.getDate());
}
function minuteText(t) {
  const d = new Date(t * 1000);
  return dayText(d) + ' ' + pad2(d.getHours()) + ':' + pad2(d.getMinutes());
}

function tickText(t, step) {
  const d = new Date(t * 1000);
  const hm = pad2(d.getHours()) + ':' + pad2(d.getMinutes());
  if (step >= 86400 || (d.getHours() === 0 && d.getMinutes() === 0)) return dayText(d) + (step < 86400 ? ' ' + hm : '');
  return hm;
}

export async function render(root, ctx) {
  ensureViewStyles();
  const { el } = ctx;
  const q = ctx.query;
  root.classList.add('bb-view');
  const status = el('span', { class: 'view-status', 'data-testid': 'waterfall-status' }, 'loading\u2026');
  const tagsInput = el('input', { type: 'text', placeholder: 'tags (comma separated)', value: q.tags || '', 'data-testid': 'waterfall-tags',
    onchange: () => ctx.navigate(hashWith('/waterfall', q, { tags: tagsInput.value.trim() || undefined })) });
  const showEmpty = el('input', { type: 'checkbox', 'data-testid': 'waterfall-show-empty',
    checked: !!ctx.setting('Waterfall.show_builders_without_builds', false),
    onchange: () => { ctx.setSetting('Waterfall.show_builders_without_builds', showEmpty.checked); if (data) draw(data); } });
  const shift = (direction) => () => {
    if (!data) return;
    const span = data.window.until - data.window.since;
    const until = data.window.until + direction * span;
    ctx.navigate(hashWith('/waterfall', q, { until, since: until - span }));
  };
  const toolbar = el('div', { class: 'view-toolbar' },
    el('button', { type: 'button', onclick: shift(-1), 'data-testid': 'waterfall-earlier' }, '\u2190 earlier'),
    el('button', { type: 'button', onclick: shift(1), 'data-testid': 'waterfall-later' }, 'later \u2192'),
    el('button', { type: 'button', 'data-testid': 'waterfall-latest',
      onclick: () => ctx.navigate(hashWith('/waterfall', q, { since: undefined, until: undefined })) }, 'latest'),
    tagsInput,
    el('label', null, showEmpty, ' builders without builds'),
    status);

  const corner = el('div', { class: 'wf-corner' }, 'newest \u2191');
  const headInner = el('div', { class: 'wf-inner' });
  const head = el('div', { class: 'wf-head' }, headInner);
  const axisInner = el('div', { class: 'wf-inner' });
  const axis = el('div', { class: 'wf-axis' }, axisInner);
  const space = el('div', { class: 'wf-inner', 'data-testid': 'waterfall-space' });
  const rules = el('div');
  const layer = el('div');
  space.append(rules, layer);
  const body = el('div', { class: 'wf-body', 'data-testid': 'waterfall-body' }, space);
  const view = el('div', { class: 'wf', 'data-testid': 'waterfall' }, toolbar,
    el('div', { class: 'wf-grid' }, corner, head, axis, body));
  root.appendChild(view);

  let data = null;
  // {builders (shown, in column order), order (build indices, column by
  // column, each column by top), start (column -> first slot of order),
  // top, height (per build), tallest (per column), colWidth, height}
  let layout = null;
  let painted = null;        // the area whose boxes are in the DOM
  let frame = 0;

  // tight: only what is on screen (the first paint of a load); else half a
  // screen more each way, so small scrolls cost nothing.
  function paint(force, tight) {
    frame = 0;
    if (!layout) return;
    const top = body.scrollTop, left = body.scrollLeft;
    const vw = body.clientWidth || 800, vh = body.clientHeight || 600;
    if (!force && painted && left >= painted.left && left + vw <= painted.right
        && top >= painted.top && top + vh <= painted.bottom) return;
    const mx = tight ? 0 : vw / 2, my = tight ? 0 : vh / 2;
    painted = { left: Math.max(0, left - mx), right: left + vw + mx, top: Math.max(0, top - my), bottom: top + vh + my };
    const { builders, order, start, tops, heights, tallest, colWidth } = layout;
    const builds = data.builds;
    const c0 = Math.max(0, Math.floor(painted.left / colWidth));
    const c1 = Math.min(builders.length - 1, Math.floor(painted.right / colWidth));
    const fragment = document.createDocumentFragment();
    const headFragment = document.createDocumentFragment();
    const labels = colWidth >= 22;
    const bottom = painted.bottom;
    for (let c = c0; c <= c1; c++) {
      const builder = builders[c];
      // header: the builder's name, a link to its page
      const label = document.createElement('a');
      label.className = 'wf-label';
      label.href = '#/builders/' + builder.builderid;
      label.title = builder.name + (builder.description ? ' \u2014 ' + builder.description : '');
      label.dataset.testid = 'waterfall-builder';
      label.style.cssText = 'left:' + c * colWidth + 'px;width:' + colWidth + 'px';
      label.textContent = builder.name;
      headFragment.appendChild(label);
      // boxes: sorted by top; a box starting above the area may reach into it
      const from = painted.top - tallest[c];
      let lo = start[c], hi = start[c + 1];
      const end = hi;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (tops[order[mid]] < from) lo = mid + 1; else hi = mid; }
      const x = 'left:' + (c * colWidth + 1) + 'px;width:' + (colWidth - 2) + 'px;top:';
      for (let k = lo; k < end; k++) {
        const i = order[k];
        const t = tops[i], h = heights[i];
        if (t > bottom) break;
        if (t + h < painted.top) continue;
        const build = buildAt(builds, i);
        const a = document.createElement('a');
        a.className = 'wf-box ' + ctx.result(build.complete ? build.results : null).cls;
        a.href = buildHref(build);
        a.dataset.testid = 'waterfall-build';
        a.dataset.buildid = build.buildid;
        a.title = buildTitle(ctx, build, builder.name);
        a.style.cssText = x + t + 'px;height:' + h + 'px';
        if (labels && h >= 13) a.textContent = build.number;
        fragment.appendChild(a);
      }
    }
    layer.replaceChildren(fragment);
    headInner.replaceChildren(headFragment);
  }

  function schedule() {
    head.scrollLeft = body.scrollLeft;
    axis.scrollTop = body.scrollTop;
    if (!frame) frame = requestAnimationFrame(() => paint(false));
  }
  body.addEventListener('scroll', schedule, { passive: true });
  const onResize = () => { if (!frame) frame = requestAnimationFrame(() => paint(true, false)); };
  window.addEventListener('resize', onResize);

  function draw(json) {
    data = json;
    const builds = json.builds;
    const n = builds.buildid.length;
    const t0b = builds.t0;
    // the top is the window's end (the newest activity when live); running builds reach it
    const t1 = json.window.until;
    const t0 = Math.min(json.window.since, t1 - 60);
    // builds per builder
    const counts = new Map();
    const builderids = builds.builderid;
    for (let i = 0; i < n; i++) counts.set(builderids[i], (counts.get(builderids[i]) || 0) + 1);
    const withEmpty = !!ctx.setting('Waterfall.show_builders_without_builds', false);
    const builders = tagFilter(json.builders, q.tags).filter((b) => withEmpty || counts.has(b.builderid));
    const column = new Map();
    let most = 0;
    const start = new Int32Array(builders.length + 1);
    builders.forEach((b, c) => {
      column.set(b.builderid, c);
      const k = counts.get(b.builderid) || 0;
      most = Math.max(most, k);
      start[c + 1] = start[c] + k;
    });
    const colWidth = Math.max(8, Number(ctx.setting('Waterfall.min_column_width_waterfall', 40)) || 40);
    const viewHeight = body.clientHeight || 600;
    const height = Math.min(MAX_HEIGHT, Math.max(viewHeight - 2, most * 24));
    const scale = height / (t1 - t0);
    // y of an answer time (relative to builds.t0), clamped to the window
    const lo = t0 - t0b, hi = t1 - t0b;
    const y = (t) => Math.round((hi - Math.min(hi, Math.max(lo, t))) * scale);
    const tops = new Int32Array(n), heights = new Int32Array(n);
    const order = new Int32Array(start[builders.length]);
    const fill = start.slice(0, builders.length);
    const tallest = new Int32Array(builders.length);
    const started = builds.started_at, completed = builds.complete_at;
    for (let i = 0; i < n; i++) {
      const c = column.get(builderids[i]);
      if (c === undefined) continue;
      const done = completed[i];
      const top = y(done === null ? hi : done);
      const h = Math.max(MIN_BOX, y(started[i]) - top);
      tops[i] = top;
      heights[i] = h;
      if (h > tallest[c]) tallest[c] = h;
      order[fill[c]++] = i;
    }
    for (let c = 0; c < builders.length; c++) {
      if (start[c + 1] - start[c] > 1) order.subarray(start[c], start[c + 1]).sort((a, b) => tops[a] - tops[b] || a - b);
    }
    const width = Math.max(builders.length * colWidth, 1);
    layout = { builders, order, start, tops, heights, tallest, colWidth, height };
    headInner.style.cssText = 'width:' + (width + 40) + 'px;height:' + HEADER_HEIGHT + 'px';

    // time axis and horizontal rules
    const step = niceStep(scale);
    const axisFragment = document.createDocumentFragment();
    const ruleFragment = document.createDocumentFragment();
    const ya = (t) => y(t - t0b);
    for (let t = Math.floor(t1 / step) * step; t >= t0; t -= step) {
      const ty = ya(t);
      axisFragment.appendChild(el('div', { class: 'wf-tick', style: 'top:' + ty + 'px' }, tickText(t, step)));
      ruleFragment.appendChild(el('div', { class: 'wf-rule', style: 'top:' + ty + 'px' }));
    }
    axisInner.style.cssText = 'height:' + (height + 40) + 'px';
    axisInner.replaceChildren(axisFragment);
    rules.replaceChildren(ruleFragment);
    space.style.cssText = 'width:' + width + 'px;height:' + height + 'px';

    status.textContent = n + ' builds, ' + builders.length + ' builders, '
      + minuteText(json.window.since) + ' \u2013 ' + minuteText(json.window.until)
      + (json.truncated ? ' (only the newest ' + n + ' builds)' : '');
    if (!builders.length) {
      headInner.replaceChildren();
      layer.replaceChildren(el('div', { class: 'empty', style: 'padding:1em' }, 'No builds in this window.'));
    } else {
      paint(true, true);
    }
    head.scrollLeft = body.scrollLeft;
    axis.scrollTop = body.scrollTop;
    markRendered(view);
  }

  async function load() {
    const json = await fetchView(ctx, 'waterfall', viewParams.waterfall(q, ctx.setting));
    if (ctx.alive && !ctx.alive()) return;
    draw(json);
  }

  await load();
  const stop = liveRefresh(ctx, load);
  return () => {
    stop();
    window.removeEventListener('resize', onResize);
    if (frame) cancelAnimationFrame(frame);
  };
}

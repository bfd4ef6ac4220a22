// Waterfall: builders as columns, time flowing down (newest at the top), builds
// as boxes placed by their start and end. One request (views/waterfall.json,
// htdocs/README.md "views") brings the builders and every build of the window;
// the page then only lays out. Only the boxes in and around the visible part
// are in the DOM (rebuilt when scrolling leaves the drawn area), so 50,000
// builds cost as much as the ~2,000 on screen. Live: builds events refetch,
// debounced.
//
// Also exports the helpers the console and grid pages share.

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
.wf-label { position: absolute; bottom: 0; height: ${HEADER_HEIGHT - 4}px; writing-mode: vertical-rl; transform: rotate(180deg);
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; font-size: 12px; line-height: 1; padding: 2px 0; text-align: left; }
.wf-tick { position: absolute; right: 4px; font-size: 11px; color: var(--muted); transform: translateY(-50%); white-space: nowrap; }
.wf-rule { position: absolute; left: 0; right: 0; border-top: 1px solid #eef1f4; }
.wf-box { position: absolute; background: var(--result); border-radius: 2px; color: #fff; font-size: 10px; line-height: 12px;
  overflow: hidden; text-align: center; box-shadow: inset 0 0 0 1px rgba(0,0,0,.12); }
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
.vg-inner > * { position: absolute; overflow: hidden; box-sizing: border-box; }
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

// GET views/<name>.json with params; notes when the data was in.
export async function fetchView(ctx, name, params) {
  const json = await ctx.getJSON('views/' + name + '.json' + queryString(params));
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

  function paint(force) {
    frame = 0;
    if (!s) return;
    const left = body.scrollLeft, top = body.scrollTop;
    const vw = body.clientWidth || 1200, vh = body.clientHeight || 800;
    if (!force && painted && left >= painted.left && left + vw <= painted.right
        && top >= painted.top && top + vh <= painted.bottom) return;
    painted = { left: Math.max(0, left - vw / 2), right: left + 1.5 * vw, top: Math.max(0, top - vh / 2), bottom: top + 1.5 * vh };
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
      paint(true);
      head.scrollLeft = body.scrollLeft;
      side.scrollTop = body.scrollTop;
    },
    repaint() { paint(true); },
    cancel() { if (frame) cancelAnimationFrame(frame); frame = 0; },
  };
}

// A cell's chips: one link per build, colored by result.
export function chips(ctx, builds, builderName, testid) {
  const span = document.createElement('span');
  for (const build of builds) {
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

function tickText(t, step) {
  const d = new Date(t * 1000);
  const hm = String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0');
  if (step >= 86400 || (d.getHours() === 0 && d.getMinutes() === 0)) return d.toLocaleDateString() + (step < 86400 ? ' ' + hm : '');
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
  let layout = null;         // {columns, colWidth, height}
  let painted = null;        // the area whose boxes are in the DOM
  let frame = 0;

  function paint(force) {
    frame = 0;
    if (!layout) return;
    const top = body.scrollTop, left = body.scrollLeft;
    const vw = body.clientWidth || 800, vh = body.clientHeight || 600;
    if (!force && painted && left >= painted.left && left + vw <= painted.right
        && top >= painted.top && top + vh <= painted.bottom) return;
    // Draw half a screen more each way, so small scrolls cost nothing.
    painted = { left: Math.max(0, left - vw / 2), right: left + 1.5 * vw, top: Math.max(0, top - vh / 2), bottom: top + 1.5 * vh };
    const { columns, colWidth } = layout;
    const c0 = Math.max(0, Math.floor(painted.left / colWidth));
    const c1 = Math.min(columns.length - 1, Math.floor(painted.right / colWidth));
    const fragment = document.createDocumentFragment();
    const labels = colWidth >= 22;
    for (let c = c0; c <= c1; c++) {
      const col = columns[c];
      const boxes = col.boxes;
      // boxes are sorted by top; a box starting above the area may reach into it
      let lo = 0, hi = boxes.length;
      const from = painted.top - col.tallest;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (boxes[mid].top < from) lo = mid + 1; else hi = mid; }
      for (let i = lo; i < boxes.length && boxes[i].top <= painted.bottom; i++) {
        const b = boxes[i];
        if (b.top + b.height < painted.top) continue;
        const a = document.createElement('a');
        a.className = 'wf-box ' + b.cls;
        a.href = buildHref(b.build);
        a.dataset.testid = 'waterfall-build';
        a.dataset.buildid = b.build.buildid;
        a.title = buildTitle(ctx, b.build, col.builder.name);
        a.style.cssText = 'left:' + (c * colWidth + 1) + 'px;top:' + b.top + 'px;width:' + (colWidth - 2) + 'px;height:' + b.height + 'px';
        if (labels && b.height >= 13) a.textContent = b.build.number;
        fragment.appendChild(a);
      }
    }
    layer.replaceChildren(fragment);
  }

  function schedule() {
    head.scrollLeft = body.scrollLeft;
    axis.scrollTop = body.scrollTop;
    if (!frame) frame = requestAnimationFrame(() => paint(false));
  }
  body.addEventListener('scroll', schedule, { passive: true });
  const onResize = () => paint(true);
  window.addEventListener('resize', onResize);

  function draw(json) {
    data = json;
    // the top is the window's end (the newest activity when live); running builds reach it
    const t1 = json.window.until;
    const t0 = Math.min(json.window.since, t1 - 60);
    const perBuilder = new Map();
    for (const b of json.builds) {
      let list = perBuilder.get(b.builderid);
      if (!list) perBuilder.set(b.builderid, list = []);
      list.push(b);
    }
    const withEmpty = !!ctx.setting('Waterfall.show_builders_without_builds', false);
    const builders = tagFilter(json.builders, q.tags).filter((b) => withEmpty || perBuilder.has(b.builderid));
    let most = 0;
    for (const b of builders) most = Math.max(most, (perBuilder.get(b.builderid) || []).length);
    const colWidth = Math.max(8, Number(ctx.setting('Waterfall.min_column_width_waterfall', 40)) || 40);
    const viewHeight = body.clientHeight || 600;
    const height = Math.min(MAX_HEIGHT, Math.max(viewHeight - 2, most * 24));
    const scale = height / (t1 - t0);
    const y = (t) => Math.round((t1 - Math.min(t1, Math.max(t0, t))) * scale);
    const columns = builders.map((builder) => {
      const boxes = [];
      let tallest = 0;
      for (const build of perBuilder.get(builder.builderid) || []) {
        const end = build.complete_at === null ? t1 : build.complete_at;
        const top = y(end);
        const h = Math.max(MIN_BOX, y(build.started_at) - top);
        tallest = Math.max(tallest, h);
        boxes.push({ top, height: h, build, cls: ctx.result(build.complete_at === null ? null : build.results).cls });
      }
      boxes.sort((a, b) => a.top - b.top);
      return { builder, boxes, tallest };
    });
    const width = Math.max(columns.length * colWidth, 1);
    layout = { columns, colWidth, height };

    // header: builder names, each a link to its builder page
    const headFragment = document.createDocumentFragment();
    columns.forEach((col, i) => {
      const a = document.createElement('a');
      a.className = 'wf-label';
      a.href = '#/builders/' + col.builder.builderid;
      a.title = col.builder.name + (col.builder.description ? ' \u2014 ' + col.builder.description : '');
      a.dataset.testid = 'waterfall-builder';
      a.style.cssText = 'left:' + i * colWidth + 'px;width:' + colWidth + 'px';
      a.textContent = col.builder.name;
      headFragment.appendChild(a);
    });
    headInner.style.cssText = 'width:' + (width + 40) + 'px;height:' + HEADER_HEIGHT + 'px';
    headInner.replaceChildren(headFragment);

    // time axis and horizontal rules
    const step = niceStep(scale);
    const axisFragment = document.createDocumentFragment();
    const ruleFragment = document.createDocumentFragment();
    for (let t = Math.floor(t1 / step) * step; t >= t0; t -= step) {
      const ty = y(t);
      axisFragment.appendChild(el('div', { class: 'wf-tick', style: 'top:' + ty + 'px' }, tickText(t, step)));
      ruleFragment.appendChild(el('div', { class: 'wf-rule', style: 'top:' + ty + 'px' }));
    }
    axisInner.style.cssText = 'height:' + (height + 40) + 'px';
    axisInner.replaceChildren(axisFragment);
    rules.replaceChildren(ruleFragment);
    space.style.cssText = 'width:' + width + 'px;height:' + height + 'px';

    status.textContent = json.builds.length + ' builds, ' + columns.length + ' builders, '
      + ctx.dateText(json.window.since) + ' \u2013 ' + ctx.dateText(json.window.until)
      + (json.truncated ? ' (only the newest ' + json.builds.length + ' builds)' : '');
    if (!columns.length) layer.replaceChildren(el('div', { class: 'empty', style: 'padding:1em' }, 'No builds in this window.'));
    else paint(true);
    head.scrollLeft = body.scrollLeft;
    axis.scrollTop = body.scrollTop;
    markRendered(view);
  }

  async function load() {
    const params = {
      since: q.since, until: q.until, builders: q.builders,
      limit: q.limit || Math.min(100000, Math.max(1, Number(ctx.setting('Waterfall.limit', 50000)) || 50000)),
    };
    const json = await fetchView(ctx, 'waterfall', params);
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

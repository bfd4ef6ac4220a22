// Builders: one row per builder with its latest builds. Three requests in all (builders,
// one builds query for every builder, workers only when asked for); rows update live.
import { buildChip, scheduler } from '../widgets.js';

export const route = '/builders';
export const title = 'Builders';
export const nav = true;
export const settings = [
  { key: 'Builders.buildFetchLimit', type: 'integer', default: 200, label: 'Builds fetched for the builders page (all builders together)' },
  { key: 'Builders.builds_per_builder', type: 'integer', default: 10, label: 'Builds shown per builder' },
  { key: 'Builders.show_old_builders', type: 'bool', default: false, label: 'Show builders no master runs any more' },
  { key: 'Builders.show_workers_name', type: 'bool', default: false, label: 'Show the workers of each builder' },
];

const BUILD_FIELDS = ['buildid', 'builderid', 'number', 'results', 'complete', 'started_at', 'complete_at', 'state_string'];

// ?tags=a,b or ?tags=a&tags=b; "+t" = required, "-t" = excluded, plain = any of.
function tagFilter(search) {
  const wanted = [];
  for (const [k, v] of new URLSearchParams(search || '')) {
    if (k === 'tags') for (const t of v.split(',')) if (t.trim()) wanted.push(t.trim());
  }
  return wanted;
}

function tagsMatch(tags, wanted) {
  if (!wanted.length) return true;
  const any = wanted.filter((t) => !/^[+-]/.test(t));
  for (const t of wanted) {
    if (t.startsWith('+') && !tags.includes(t.slice(1))) return false;
    if (t.startsWith('-') && tags.includes(t.slice(1))) return false;
  }
  return !any.length || any.some((t) => tags.includes(t));
}

export async function render(root, ctx) {
  const { el, api, replaceChildren } = ctx;
  const fetchLimit = Number(ctx.setting('Builders.buildFetchLimit', 200)) || 200;
  const perBuilder = Number(ctx.setting('Builders.builds_per_builder', 10)) || 10;
  const showOld = !!ctx.setting('Builders.show_old_builders', false);
  const showWorkers = !!ctx.setting('Builders.show_workers_name', false);
  const wanted = tagFilter(ctx.search);

  const [buildersReply, buildsReply, workersReply] = await Promise.all([
    api('builders'),
    api('builds', { order: '-buildid', limit: fetchLimit, field: BUILD_FIELDS }),
    showWorkers ? api('workers', { field: ['workerid', 'name', 'configured_on', 'connected_to'] }) : null,
  ]);

  const byBuilder = new Map();  // builderid -> builds, newest first
  for (const b of buildsReply.builds) {
    if (!byBuilder.has(b.builderid)) byBuilder.set(b.builderid, []);
    byBuilder.get(b.builderid).push(b);
  }
  const workersOf = new Map();
  for (const w of workersReply ? workersReply.workers : []) {
    for (const c of w.configured_on) {
      if (!workersOf.has(c.builderid)) workersOf.set(c.builderid, new Map());
      workersOf.get(c.builderid).set(w.workerid, w);
    }
  }

  const allTags = [...new Set(buildersReply.builders.flatMap((b) => b.tags))].sort();
  const builders = buildersReply.builders
    .filter((b) => showOld || b.masterids.length)
    .filter((b) => tagsMatch(b.tags, wanted))
    .sort((a, b) => a.name.localeCompare(b.name));

  const tagHref = (tag) => {
    const next = wanted.includes(tag) ? wanted.filter((t) => t !== tag) : wanted.concat([tag]);
    return '#/builders' + (next.length ? '?tags=' + next.map(encodeURIComponent).join(',') : '');
  };
  const tagLink = (tag) => el('a', {
    href: tagHref(tag), class: 'tag' + (wanted.includes(tag) ? ' selected' : ''), 'data-testid': 'tag-filter', dataset: { tag },
  }, tag);

  const rows = new Map();  // builderid -> tr
  const buildsCell = (builderid) => {
    const list = (byBuilder.get(builderid) || []).slice(0, perBuilder);
    return el('td', { class: 'builds', 'data-testid': 'builder-builds' }, list.map((b) => buildChip(b)));
  };
  const row = (b) => el('tr', { 'data-testid': 'builder-row', dataset: { builderid: b.builderid, name: b.name } },
    el('td', { class: 'name' },
      el('a', { href: '#/builders/' + b.builderid, 'data-testid': 'builder-link' }, b.name),
      b.description ? el('div', { class: 'muted small' }, b.description) : null),
    buildsCell(b.builderid),
    el('td', { class: 'tags' }, b.tags.map(tagLink)),
    showWorkers ? el('td', { class: 'workers' }, [...(workersOf.get(b.builderid) || new Map()).values()].map((w) =>
      el('span', { class: 'worker ' + (w.connected_to.length ? 'online' : 'offline'), title: w.connected_to.length ? 'connected' : 'disconnected' }, w.name))) : null);

  const search = el('input', {
    type: 'search', placeholder: 'Filter by name', class: 'search', 'data-testid': 'builder-search',
    oninput: () => {
      const text = search.value.toLowerCase();
      for (const [, tr] of rows) tr.hidden = !!text && !tr.dataset.name.toLowerCase().includes(text);
    },
  });

  const tbody = el('tbody');
  for (const b of builders) {
    const tr = row(b);
    rows.set(b.builderid, tr);
    tbody.appendChild(tr);
  }
  if (!builders.length) tbody.appendChild(el('tr', { class: 'empty-row' }, el('td', { colspan: 4 }, 'No builder matches.')));
  // Fixed layout: the browser sizes columns from the header, not from thousands of rows.
  const tableNode = el('table', { class: 'grid fixed', 'data-testid': 'builders-table' },
    el('colgroup', null, el('col', { class: 'col-name' }), el('col'), el('col', { class: 'col-tags' }), showWorkers ? el('col', { class: 'col-workers' }) : null),
    el('thead', null, el('tr', null, el('th', null, 'Builder'), el('th', null, 'Latest builds'), el('th', null, 'Tags'),
      showWorkers ? el('th', null, 'Workers') : null)),
    tbody);

  replaceChildren(root,
    el('div', { class: 'toolbar' }, search,
      el('div', { class: 'tag-bar', 'data-testid': 'tag-bar' },
        el('span', { class: 'muted' }, 'Tags: '),
        allTags.map(tagLink),
        wanted.length ? el('a', { href: '#/builders', class: 'tag clear', 'data-testid': 'tag-clear' }, 'all') : null)),
    tableNode);

  // Live: upsert the build, redraw only the rows it touched.
  const dirty = new Set();
  const flush = scheduler(() => {
    for (const id of dirty) {
      const tr = rows.get(id);
      if (tr) tr.replaceChild(buildsCell(id), tr.children[1]);
    }
    dirty.clear();
  });
  ctx.subscribe('builds/*/*', (key, build) => {
    const list = byBuilder.get(build.builderid) || [];
    const i = list.findIndex((b) => b.buildid === build.buildid);
    if (i >= 0) list[i] = Object.assign(list[i], build);
    else { list.push(build); list.sort((a, b) => b.buildid - a.buildid); }
    if (list.length > perBuilder * 2) list.length = perBuilder;
    byBuilder.set(build.builderid, list);
    dirty.add(build.builderid);
    flush();
  });
}

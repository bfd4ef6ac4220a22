// Console: changes as rows (newest first), builders as columns, a chip per
// build colored by its result. One request (views/console.json, builds as
// parallel arrays: see htdocs/README.md "views"); builds
// events refetch it, debounced. Cells exist in the DOM only around the
// visible area (virtualGrid), so 1,000 builders stay cheap.
import { ensureViewStyles, liveRefresh, tagFilter, markRendered, hashWith, fetchView, virtualGrid, chips, viewParams } from './waterfall.js';

export const route = '/console';
export const title = 'Console';
export const plugin = 'console_view';
export const nav = true;
export const settings = [
  { key: 'Console.changeLimit', type: 'integer', default: 25, label: 'Changes shown by the console (at most 200)' },
  { key: 'Console.show_builders_without_builds', type: 'bool', default: false, label: 'Console: show builders without builds' },
];

const CHANGE_WIDTH = 340;
const ROW_HEIGHT = 42;
const HEADER_HEIGHT = 140;

function firstLine(text) {
  const s = String(text || '');
  const i = s.indexOf('\n');
  return i >= 0 ? s.slice(0, i) : s;
}

function shortRev(rev) {
  return rev ? String(rev).slice(0, 10) : '';
}

export async function render(root, ctx) {
  ensureViewStyles();
  const { el } = ctx;
  const q = ctx.query;
  root.classList.add('bb-view');
  const status = el('span', { class: 'view-status', 'data-testid': 'console-status' }, 'loading\u2026');
  const tagsInput = el('input', { type: 'text', placeholder: 'tags (comma separated)', value: q.tags || '', 'data-testid': 'console-tags',
    onchange: () => ctx.navigate(hashWith('/console', q, { tags: tagsInput.value.trim() || undefined })) });
  const showEmpty = el('input', { type: 'checkbox', 'data-testid': 'console-show-empty',
    checked: !!ctx.setting('Console.show_builders_without_builds', false),
    onchange: () => { ctx.setSetting('Console.show_builders_without_builds', showEmpty.checked); if (data) draw(data); } });
  const grid = virtualGrid({});
  const view = el('div', { class: 'cv', 'data-testid': 'console' },
    el('div', { class: 'view-toolbar' }, tagsInput, el('label', null, showEmpty, ' builders without builds'), status), grid.element);
  root.appendChild(view);
  let data = null;

  function draw(json) {
    data = json;
    const builds = json.builds;
    const n = builds.buildid.length;
    const changes = json.changes;
    // cell (builder, change) -> build indices (newest first), keyed
    // builderid * stride + change row
    const rowOf = new Map(changes.map((c, r) => [c.changeid, r]));
    const stride = changes.length + 1;
    const cells = new Map();
    const hasBuilds = new Set();
    let widest = 1;
    const add = (builderid, changeid, i) => {
      const r = rowOf.get(changeid);
      if (r === undefined) return;
      const key = builderid * stride + r;
      const list = cells.get(key);
      if (list) { list.push(i); if (list.length > widest) widest = list.length; } else cells.set(key, [i]);
      hasBuilds.add(builderid);
    };
    for (let i = 0; i < n; i++) {
      const links = builds.changeids[i];
      if (typeof links === 'number') add(builds.builderid[i], links, i);
      else for (const changeid of links) add(builds.builderid[i], changeid, i);
    }
    const withEmpty = !!ctx.setting('Console.show_builders_without_builds', false);
    const builders = tagFilter(json.builders, q.tags).filter((b) => withEmpty || hasBuilds.has(b.builderid));
    grid.update({
      rows: changes.length, cols: builders.length, rowHeight: ROW_HEIGHT,
      colWidth: Math.min(3, widest) * 22 + 4, headerHeight: HEADER_HEIGHT, labelWidth: CHANGE_WIDTH,
      corner: 'Change',
      header: (c) => el('a', { class: 'vg-vlabel', href: '#/builders/' + builders[c].builderid, title: builders[c].name,
        'data-testid': 'console-builder' }, builders[c].name),
      label: (r) => {
        const change = changes[r];
        return el('div', { class: 'vg-label', 'data-testid': 'console-change', dataset: { changeid: change.changeid } },
          el('a', { href: '#/changes/' + change.changeid, class: 'cv-rev', title: change.revision || '' },
            shortRev(change.revision) || 'change ' + change.changeid),
          ' ', el('span', { class: 'muted' }, String(change.author || '').replace(/\s*<[^>]*>\s*$/, '')),
          change.branch ? el('span', { class: 'tag' }, change.branch) : null,
          ' ', el('span', { class: 'muted small' }, ctx.ago(change.when_timestamp)),
          el('span', { class: 'cv-comment', title: change.comments || '' }, firstLine(change.comments)));
      },
      cell: (r, c) => {
        const list = cells.get(builders[c].builderid * stride + r);
        return list ? chips(ctx, builds, list, builders[c].name, 'console-build') : null;
      },
    });
    status.textContent = changes.length + ' changes, ' + builders.length + ' builders, ' + n + ' builds'
      + (json.truncated ? ' (oldest builds left out)' : '') + (changes.length ? '' : ' \u2014 no changes');
    markRendered(view);
  }

  async function load() {
    const json = await fetchView(ctx, 'console', viewParams.console(q, ctx.setting));
    if (ctx.alive && !ctx.alive()) return;
    draw(json);
  }

  await load();
  const stop = liveRefresh(ctx, load);
  return () => { stop(); grid.cancel(); };
}

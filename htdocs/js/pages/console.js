// Console: changes as rows (newest first), builders as columns, a chip per
// build colored by its result. One request (views/console.json); builds
// events refetch it, debounced. Cells exist in the DOM only around the
// visible area (virtualGrid), so 1,000 builders stay cheap.
import { ensureViewStyles, liveRefresh, tagFilter, markRendered, hashWith, fetchView, virtualGrid, chips } from './waterfall.js';

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
    // builderid -> changeid -> builds (newest first)
    const cells = new Map();
    let widest = 1;
    for (const b of json.builds) {
      let row = cells.get(b.builderid);
      if (!row) cells.set(b.builderid, row = new Map());
      for (const changeid of b.changeids) {
        let list = row.get(changeid);
        if (!list) row.set(changeid, list = []);
        list.push(b);
        widest = Math.max(widest, list.length);
      }
    }
    const withEmpty = !!ctx.setting('Console.show_builders_without_builds', false);
    const builders = tagFilter(json.builders, q.tags).filter((b) => withEmpty || cells.has(b.builderid));
    const changes = json.changes;
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
        const row = cells.get(builders[c].builderid);
        const list = row && row.get(changes[r].changeid);
        return list ? chips(ctx, list, builders[c].name, 'console-build') : null;
      },
    });
    status.textContent = changes.length + ' changes, ' + builders.length + ' builders, ' + json.builds.length + ' builds'
      + (json.truncated ? ' (oldest builds left out)' : '') + (changes.length ? '' : ' \u2014 no changes');
    markRendered(view);
  }

  async function load() {
    const limit = q.changes || Math.min(200, Math.max(1, Number(ctx.setting('Console.changeLimit', 25)) || 25));
    const json = await fetchView(ctx, 'console', { changes: limit });
    if (ctx.alive && !ctx.alive()) return;
    draw(json);
  }

  await load();
  const stop = liveRefresh(ctx, load);
  return () => { stop(); grid.cancel(); };
}

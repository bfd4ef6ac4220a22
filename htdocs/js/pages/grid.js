// Grid: revisions (source stamps, newest first) as columns, builders as rows,
// a chip per build colored by its result; a branch selector. One request
// (views/grid.json); builds events refetch it, debounced. Cells exist in the
// DOM only around the visible area (virtualGrid).
import { ensureViewStyles, liveRefresh, tagFilter, markRendered, hashWith, fetchView, virtualGrid, chips } from './waterfall.js';

export const route = '/grid';
export const title = 'Grid';
export const plugin = 'grid_view';
export const nav = true;
export const settings = [
  { key: 'Grid.revisionLimit', type: 'integer', default: 10, label: 'Revisions shown by the grid (at most 100)' },
  { key: 'Grid.fullChanges', type: 'bool', default: false, label: 'Grid: show change comments in column headers' },
  { key: 'Grid.show_builders_without_builds', type: 'bool', default: false, label: 'Grid: show builders without builds' },
];

const BUILDER_WIDTH = 220;
const REVISION_WIDTH = 120;
const ROW_HEIGHT = 24;

export async function render(root, ctx) {
  ensureViewStyles();
  const { el } = ctx;
  const q = ctx.query;
  root.classList.add('bb-view');
  const status = el('span', { class: 'view-status', 'data-testid': 'grid-status' }, 'loading\u2026');
  const branchSelect = el('select', { 'data-testid': 'grid-branch',
    onchange: () => ctx.navigate(hashWith('/grid', q, { branch: branchSelect.value || undefined })) });
  const tagsInput = el('input', { type: 'text', placeholder: 'tags (comma separated)', value: q.tags || '', 'data-testid': 'grid-tags',
    onchange: () => ctx.navigate(hashWith('/grid', q, { tags: tagsInput.value.trim() || undefined })) });
  const showEmpty = el('input', { type: 'checkbox', 'data-testid': 'grid-show-empty',
    checked: !!ctx.setting('Grid.show_builders_without_builds', false),
    onchange: () => { ctx.setSetting('Grid.show_builders_without_builds', showEmpty.checked); if (data) draw(data); } });
  const grid = virtualGrid({});
  const view = el('div', { class: 'gd', 'data-testid': 'grid' },
    el('div', { class: 'view-toolbar' }, el('label', null, 'Branch ', branchSelect), tagsInput,
      el('label', null, showEmpty, ' builders without builds'), status), grid.element);
  root.appendChild(view);
  let data = null;

  function fillBranches(json) {
    const options = [el('option', { value: '' }, '(all branches)')];
    const names = json.branches.slice();
    if (json.branch && !names.includes(json.branch)) names.push(json.branch);
    for (const name of names) options.push(el('option', { value: name, selected: name === json.branch }, name));
    branchSelect.replaceChildren(...options);
  }

  function draw(json) {
    data = json;
    fillBranches(json);
    const cells = new Map();   // builderid -> ssid -> builds (newest first)
    for (const b of json.builds) {
      let row = cells.get(b.builderid);
      if (!row) cells.set(b.builderid, row = new Map());
      for (const ssid of b.ssids) {
        let list = row.get(ssid);
        if (!list) row.set(ssid, list = []);
        list.push(b);
      }
    }
    const withEmpty = !!ctx.setting('Grid.show_builders_without_builds', false);
    const builders = tagFilter(json.builders, q.tags).filter((b) => withEmpty || cells.has(b.builderid));
    const revisions = json.revisions;
    const full = !!ctx.setting('Grid.fullChanges', false);
    grid.update({
      rows: builders.length, cols: revisions.length, rowHeight: ROW_HEIGHT, colWidth: REVISION_WIDTH,
      headerHeight: full ? 84 : 48, labelWidth: BUILDER_WIDTH, corner: 'Builder',
      header: (c) => {
        const rev = revisions[c];
        const change = rev.change;
        const label = rev.revision ? String(rev.revision).slice(0, 10) : 'source stamp ' + rev.ssid;
        return el('div', { class: 'vg-hlabel', 'data-testid': 'grid-revision', title: [rev.revision, change && change.comments].filter(Boolean).join('\n') },
          change ? el('a', { href: '#/changes/' + change.changeid, class: 'cv-rev' }, label) : el('span', { class: 'cv-rev' }, label),
          el('div', { class: 'muted small' }, change ? String(change.author || '').replace(/\s*<[^>]*>\s*$/, '') : (rev.branch || '')),
          full && change ? el('div', { class: 'small' }, String(change.comments || '').split('\n')[0]) : null);
      },
      label: (r) => el('div', { class: 'vg-label' },
        el('a', { href: '#/builders/' + builders[r].builderid, title: builders[r].name, 'data-testid': 'grid-builder' }, builders[r].name)),
      cell: (r, c) => {
        const row = cells.get(builders[r].builderid);
        const list = row && row.get(revisions[c].ssid);
        return list ? chips(ctx, list, builders[r].name, 'grid-build') : null;
      },
    });
    status.textContent = revisions.length + ' revisions, ' + builders.length + ' builders, ' + json.builds.length + ' builds'
      + (json.truncated ? ' (oldest builds left out)' : '')
      + (revisions.length ? '' : ' \u2014 no builds for any revision' + (json.branch ? ' on ' + json.branch : ''));
    markRendered(view);
  }

  async function load() {
    const revisions = q.revisions || Math.min(100, Math.max(1, Number(ctx.setting('Grid.revisionLimit', 10)) || 10));
    const json = await fetchView(ctx, 'grid', { branch: q.branch, revisions });
    if (ctx.alive && !ctx.alive()) return;
    draw(json);
  }

  await load();
  const stop = liveRefresh(ctx, load);
  return () => { stop(); grid.cancel(); };
}

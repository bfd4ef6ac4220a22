// Grid: revisions (source stamps, newest first) as columns, builders as rows,
// a chip per build colored by its result; a branch selector. One request
// (views/grid.json, builds as parallel arrays); builds events refetch it, debounced. Cells exist in the
// DOM only around the visible area (virtualGrid).
import { ensureViewStyles, liveRefresh, tagFilter, markRendered, hashWith, fetchView, virtualGrid, chips, viewParams } from './waterfall.js';

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
    const builds = json.builds;
    const n = builds.buildid.length;
    const revisions = json.revisions;
    // cell (builder, revision) -> build indices (newest first), keyed
    // builderid * stride + revision column
    const colOf = new Map(revisions.map((rev, c) => [rev.ssid, c]));
    const stride = revisions.length + 1;
    const cells = new Map();
    const hasBuilds = new Set();
    const add = (builderid, ssid, i) => {
      const c = colOf.get(ssid);
      if (c === undefined) return;
      const key = builderid * stride + c;
      const list = cells.get(key);
      if (list) list.push(i); else cells.set(key, [i]);
      hasBuilds.add(builderid);
    };
    for (let i = 0; i < n; i++) {
      const links = builds.ssids[i];
      if (typeof links === 'number') add(builds.builderid[i], links, i);
      else for (const ssid of links) add(builds.builderid[i], ssid, i);
    }
    const withEmpty = !!ctx.setting('Grid.show_builders_without_builds', false);
    const builders = tagFilter(json.builders, q.tags).filter((b) => withEmpty || hasBuilds.has(b.builderid));
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
        const list = cells.get(builders[r].builderid * stride + c);
        return list ? chips(ctx, builds, list, builders[r].name, 'grid-build') : null;
      },
    });
    status.textContent = revisions.length + ' revisions, ' + builders.length + ' builders, ' + n + ' builds'
      + (json.truncated ? ' (oldest builds left out)' : '')
      + (revisions.length ? '' : ' \u2014 no builds for any revision' + (json.branch ? ' on ' + json.branch : ''));
    markRendered(view);
  }

  async function load() {
    const json = await fetchView(ctx, 'grid', viewParams.grid(q, ctx.setting));
    if (ctx.alive && !ctx.alive()) return;
    draw(json);
  }

  await load();
  const stop = liveRefresh(ctx, load);
  return () => { stop(); grid.cancel(); };
}

// Workers: connection state, host info and (optionally) their builders; live.
import { scheduler } from '../widgets.js';

export const route = '/workers';
export const title = 'Workers';
export const nav = true;
export const settings = [
  { key: 'Workers.show_old_workers', type: 'bool', default: false, label: 'Show workers no builder uses any more' },
  { key: 'Workers.showWorkerBuilders', type: 'bool', default: false, label: 'Show the builders of each worker' },
];

export function workerState(w) {
  if (!w.connected_to.length) return { text: 'disconnected', cls: 'offline' };
  if (w.paused) return { text: 'paused', cls: 'paused' };
  if (w.graceful) return { text: 'stopping', cls: 'paused' };
  return { text: 'connected', cls: 'online' };
}

export async function render(root, ctx) {
  const { el, api, replaceChildren } = ctx;
  const showOld = !!ctx.setting('Workers.show_old_workers', false);
  const showBuilders = !!ctx.setting('Workers.showWorkerBuilders', false);
  const buildersReply = showBuilders ? await api('builders', { field: ['builderid', 'name'] }) : { builders: [] };
  const names = new Map(buildersReply.builders.map((b) => [b.builderid, b.name]));
  const box = el('div');

  async function draw() {
    const workers = (await api('workers')).workers.filter((w) => showOld || w.configured_on.length || w.connected_to.length);
    const rows = workers.map((w) => {
      const state = workerState(w);
      const info = w.workerinfo || {};
      const builderIds = [...new Set(w.configured_on.map((c) => c.builderid))];
      return el('tr', { 'data-testid': 'worker-row', dataset: { workerid: w.workerid, name: w.name } },
        el('td', null, el('a', { href: '#/workers/' + w.workerid, 'data-testid': 'worker-link' }, w.name)),
        el('td', null, el('span', { class: 'worker ' + state.cls, 'data-testid': 'worker-state' }, state.text)),
        el('td', null, info.host || ''),
        el('td', null, info.version || ''),
        el('td', null, info.admin || ''),
        showBuilders ? el('td', null, builderIds.map((id) => el('a', { class: 'tag', href: '#/builders/' + id }, names.get(id) || String(id)))) : null);
    });
    replaceChildren(box, el('table', { class: 'grid', 'data-testid': 'workers-table' },
      el('thead', null, el('tr', null, ['Name', 'State', 'Host', 'Version', 'Admin'].concat(showBuilders ? ['Builders'] : []).map((h) => el('th', null, h)))),
      el('tbody', null, rows.length ? rows : el('tr', { class: 'empty-row' }, el('td', { colspan: 6 }, 'No worker.')))));
  }
  await draw();
  replaceChildren(root, box);
  const redraw = scheduler(() => draw().catch((err) => replaceChildren(box, ctx.errorBox(err))));
  ctx.subscribe('workers/*/*', redraw);
}

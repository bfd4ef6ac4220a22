// One worker: its info and its latest builds (two requests plus builder names).
import { buildChip, buildDuration, resultText, timeCell, emptyRow, allowedActions } from '../widgets.js';
import { workerState } from './workers.js';

export const route = '/workers/:workerid';
export const title = 'Worker';

export async function render(root, ctx) {
  const { el, api, rpc, replaceChildren } = ctx;
  const worker = (await api('workers/' + encodeURIComponent(ctx.params.workerid))).workers[0];
  ctx.setTitle('Worker ' + worker.name);
  const [builds, builders] = await Promise.all([
    api('workers/' + worker.workerid + '/builds', { order: '-buildid', limit: 50,
      field: ['buildid', 'builderid', 'number', 'results', 'complete', 'started_at', 'complete_at', 'state_string'] }),
    api('builders', { field: ['builderid', 'name'] }),
  ]);
  const names = new Map(builders.builders.map((b) => [b.builderid, b.name]));
  const state = workerState(worker);
  const info = Object.entries(worker.workerinfo || {}).sort(([a], [b]) => a.localeCompare(b));
  const notice = el('div', { class: 'notice', hidden: true, 'data-testid': 'action-result' });
  const action = (method, label) => el('button', { type: 'button', 'data-testid': 'worker-' + method, onclick: async () => {
    try { await rpc('workers/' + worker.workerid, method, { reason: label + ' from the web UI' }); replaceChildren(notice, label + ' requested.'); }
    catch (err) { replaceChildren(notice, err.message); }
    notice.hidden = false;
  } }, label);

  // Only the worker actions the rules allow this user.
  const actions = el('div', { class: 'actions' });
  const pause = worker.paused ? 'unpause' : 'pause';
  allowedActions('workers/' + worker.workerid, [pause, 'stop']).then((allowed) => {
    replaceChildren(actions, allowed[pause] ? action(pause, pause === 'pause' ? 'Pause' : 'Unpause') : null,
      allowed.stop ? action('stop', 'Graceful shutdown') : null);
  });

  replaceChildren(root,
    el('div', { class: 'card header-card' },
      el('div', { class: 'title-row' }, el('h2', null, worker.name), el('span', { class: 'worker ' + state.cls }, state.text)),
      el('dl', { class: 'facts' }, info.map(([k, v]) => [el('dt', null, k), el('dd', null, typeof v === 'string' ? v : JSON.stringify(v))])),
      actions,
      notice),
    el('h2', null, 'Latest builds'),
    el('table', { class: 'grid', 'data-testid': 'worker-builds' },
      el('thead', null, el('tr', null, ['Builder', 'Build', 'Result', 'Status', 'Started', 'Duration'].map((h) => el('th', null, h)))),
      el('tbody', null, builds.builds.length ? builds.builds.map((b) => el('tr', { 'data-testid': 'build-row' },
        el('td', null, el('a', { href: '#/builders/' + b.builderid }, names.get(b.builderid) || String(b.builderid))),
        el('td', null, buildChip(b)),
        el('td', null, ctx.badge(b.results, resultText(b))),
        el('td', { class: 'state' }, b.state_string),
        timeCell(b.started_at),
        el('td', { class: 'num' }, buildDuration(b)))) : emptyRow(6, 'No build.'))));
}

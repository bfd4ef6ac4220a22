// One builder: its builds newest first with offset paging, force buttons, live updates.
import { buildChip, buildDuration, resultText, timeCell, emptyRow, pager, offsetFrom, allowedActions } from '../widgets.js';
import { openForceDialog } from '../force.js';

export const route = '/builders/:builderid';
export const title = 'Builder';
export const settings = [
  { key: 'Builder.page_size', type: 'integer', default: 50, label: 'Builds per page on a builder page' },
];

const BUILD_FIELDS = ['buildid', 'builderid', 'number', 'results', 'complete', 'started_at', 'complete_at', 'state_string', 'workerid', 'properties'];

export async function render(root, ctx) {
  const { el, api, replaceChildren } = ctx;
  const builder = (await api('builders/' + encodeURIComponent(ctx.params.builderid))).builders[0];
  const id = builder.builderid;
  ctx.setTitle('Builder ' + builder.name);
  const limit = Math.max(1, Number(ctx.setting('Builder.page_size', 50)) || 50);
  const offset = offsetFrom(ctx);

  const [buildsReply, workersReply, forceReply, pendingReply] = await Promise.all([
    api('builders/' + id + '/builds', { order: '-number', limit: limit + 1, offset, field: BUILD_FIELDS, property: ['owner', 'workername'] }),
    api('builders/' + id + '/workers', { field: ['workerid', 'name', 'connected_to'] }),
    api('builders/' + id + '/forceschedulers').catch(() => ({ forceschedulers: [] })),
    api('builders/' + id + '/buildrequests', { complete: false, field: ['buildrequestid', 'complete', 'claimed'] }).catch(() => ({ buildrequests: [] })),
  ]);
  const hasNext = buildsReply.builds.length > limit;
  const builds = buildsReply.builds.slice(0, limit);
  const workerNames = new Map(workersReply.workers.map((w) => [w.workerid, w.name]));

  const notice = el('div', { class: 'notice', 'data-testid': 'force-result', hidden: true });
  const forceButton = (s) => el('button', {
    type: 'button', class: 'primary', 'data-testid': 'force-button', dataset: { scheduler: s.name },
    onclick: async () => {
      const outcome = await openForceDialog(s, builder);
      if (!outcome) return;
      const brids = Object.values(outcome[1] || {});
      replaceChildren(notice, 'Build requested (buildset ' + outcome[0] + (brids.length ? ', build request ' + brids.join(', ') : '') + ').');
      notice.hidden = false;
    },
  }, s.button_name || s.name);
  // A button per force scheduler the rules let this user use for this builder.
  const forceButtons = el('div', { class: 'actions' });
  for (const s of forceReply.forceschedulers.filter((f) => f.enabled !== false)) {
    allowedActions('forceschedulers/' + s.name, ['force'], builder.builderid).then((allowed) => {
      if (allowed.force) forceButtons.append(forceButton(s));
    });
  }

  const owner = (b) => {
    const p = b.properties && b.properties.owner;
    return p ? String(p[0]) : '';
  };
  const row = (b) => el('tr', { 'data-testid': 'build-row', dataset: { buildid: b.buildid, number: b.number } },
    el('td', null, buildChip(b)),
    el('td', null, ctx.badge(b.results, resultText(b), { 'data-testid': 'build-row-result' })),
    el('td', { class: 'state' }, b.state_string),
    timeCell(b.started_at),
    el('td', { class: 'num' }, buildDuration(b)),
    el('td', null, b.workerid ? el('a', { href: '#/workers/' + b.workerid }, workerNames.get(b.workerid) || String(b.workerid)) : ''),
    el('td', null, owner(b)));

  const tbody = el('tbody');
  const rows = new Map();
  for (const b of builds) { const tr = row(b); rows.set(b.buildid, tr); tbody.appendChild(tr); }
  if (!builds.length) tbody.appendChild(emptyRow(7, 'No build.'));

  const pending = pendingReply.buildrequests.filter((r) => !r.claimed).length;
  replaceChildren(root,
    el('div', { class: 'card header-card' },
      el('h2', { 'data-testid': 'builder-name' }, builder.name),
      builder.description ? el('p', null, builder.description) : null,
      el('p', { class: 'meta' },
        builder.tags.map((t) => el('a', { class: 'tag', href: '#/builders?tags=' + encodeURIComponent(t) }, t)),
        ' Workers: ', workersReply.workers.length
          ? workersReply.workers.map((w) => el('a', { href: '#/workers/' + w.workerid, class: 'worker ' + (w.connected_to.length ? 'online' : 'offline') }, w.name))
          : el('span', { class: 'muted' }, 'none'),
        pending ? el('a', { href: '#/pending', class: 'pending-count', 'data-testid': 'builder-pending' }, ' ' + pending + ' pending') : null),
      forceButtons,
      notice),
    el('table', { class: 'grid', 'data-testid': 'builds-table' },
      el('thead', null, el('tr', null, ['Build', 'Result', 'Status', 'Started', 'Duration', 'Worker', 'Owner'].map((h) => el('th', null, h)))),
      tbody),
    pager(ctx, offset, limit, hasNext));

  // Live: rows on this page update; new builds appear on the first page.
  ctx.subscribe('builders/' + id + '/builds/*/*', (key, build) => {
    const old = rows.get(build.buildid);
    if (old) {
      const merged = Object.assign({}, old.build || {}, build, { properties: (old.build || {}).properties || build.properties });
      const tr = row(merged);
      tr.build = merged;
      old.replaceWith(tr);
      rows.set(build.buildid, tr);
    } else if (offset === 0 && !rows.has(build.buildid)) {
      const tr = row(build);
      tr.build = build;
      const empty = tbody.querySelector('.empty-row');
      if (empty) empty.remove();
      tbody.insertBefore(tr, tbody.firstChild);
      rows.set(build.buildid, tr);
    }
  });
  for (const b of builds) rows.get(b.buildid).build = b;
}

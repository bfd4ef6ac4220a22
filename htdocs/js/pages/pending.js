// Pending build requests (buildrequests?complete=false), cancellable; refreshed on events.
import { timeCell, allowedActions, scheduler } from '../widgets.js';

export const route = '/pending';
export const title = 'Pending Buildrequests';
export const nav = true;

export async function render(root, ctx) {
  const { el, api, rpc, replaceChildren } = ctx;
  const [builders, buildsets] = await Promise.all([
    api('builders', { field: ['builderid', 'name'] }),
    api('buildsets', { complete: false, field: ['bsid', 'reason', 'complete'] }),
  ]);
  const names = new Map(builders.builders.map((b) => [b.builderid, b.name]));
  const reasons = new Map(buildsets.buildsets.map((s) => [s.bsid, s.reason]));
  const box = el('div');
  const error = el('div', { class: 'error', role: 'alert', hidden: true, 'data-testid': 'action-error' });

  async function cancel(request, button) {
    button.disabled = true;
    error.hidden = true;
    try {
      await rpc('buildrequests/' + request.buildrequestid, 'cancel', { reason: 'cancelled from the web UI' });
      redraw();
    } catch (err) {
      replaceChildren(error, err.message);
      error.hidden = false;
      button.disabled = false;
    }
  }

  async function draw() {
    const requests = (await api('buildrequests', { complete: false, order: '-buildrequestid', property: ['owner'] })).buildrequests;
    // Buildbot's rules judge "cancel" with no object (Any/AnyControl matchers only):
    // one answer holds for every request.
    const may = requests.length
      ? (await allowedActions('buildrequests/' + requests[0].buildrequestid, ['cancel'])).cancel : false;
    const rows = requests.map((r) => {
      const owner = r.properties && r.properties.owner ? String(r.properties.owner[0]) : '';
      return el('tr', { 'data-testid': 'buildrequest-row', dataset: { buildrequestid: r.buildrequestid } },
        el('td', null, String(r.buildrequestid)),
        el('td', null, el('a', { href: '#/builders/' + r.builderid }, names.get(r.builderid) || String(r.builderid))),
        el('td', { class: 'num' }, String(r.priority)),
        timeCell(r.submitted_at),
        el('td', null, r.claimed ? el('span', { class: 'badge result-pending' }, 'running') : el('span', { class: 'muted' }, 'waiting')),
        el('td', null, reasons.get(r.buildsetid) || ''),
        el('td', null, owner),
        el('td', null, may ? el('button', { type: 'button', class: 'danger small', 'data-testid': 'cancel-button',
          onclick: (e) => cancel(r, e.currentTarget) }, 'Cancel') : null));
    });
    replaceChildren(box, el('table', { class: 'grid', 'data-testid': 'pending-table' },
      el('thead', null, el('tr', null, ['#', 'Builder', 'Priority', 'Submitted', 'State', 'Reason', 'Owner', ''].map((h) => el('th', null, h)))),
      el('tbody', null, rows.length ? rows : el('tr', { class: 'empty-row' }, el('td', { colspan: 8 }, 'No pending build request.')))));
  }
  await draw();
  replaceChildren(root, error, box);
  const redraw = scheduler(async () => {
    try {
      const fresh = await api('buildsets', { complete: false, field: ['bsid', 'reason', 'complete'] });
      for (const s of fresh.buildsets) reasons.set(s.bsid, s.reason);
      await draw();
    } catch (err) { replaceChildren(box, ctx.errorBox(err)); }
  });
  ctx.subscribe('buildrequests/*/*', redraw);
}

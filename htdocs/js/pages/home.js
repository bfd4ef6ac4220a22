// Home: running builds, recent builds and a one-line-per-builder summary (3 requests, live).
import { buildChip, buildHref, buildDuration, resultText, table, timeCell, emptyRow, scheduler } from '../widgets.js';

export const route = '/';
export const aliases = ['/home'];
export const navRoute = '/home';
export const title = 'Home';
export const nav = true;
export const settings = [
  { key: 'Home.max_recent_builds', type: 'integer', default: 20, label: 'Recent builds shown on the home page' },
];

const BUILD_FIELDS = ['buildid', 'builderid', 'number', 'results', 'complete', 'started_at', 'complete_at', 'state_string'];

export async function render(root, ctx) {
  const { el, api, replaceChildren } = ctx;
  const limit = Number(ctx.setting('Home.max_recent_builds', 20)) || 20;
  const [builders, recent, running] = await Promise.all([
    api('builders', { field: ['builderid', 'name', 'masterids'] }),
    api('builds', { order: '-buildid', limit, field: BUILD_FIELDS }),
    api('builds', { complete: false, order: '-buildid', limit: 100, field: BUILD_FIELDS }),
  ]);
  const names = new Map(builders.builders.map((b) => [b.builderid, b.name]));
  const builds = new Map();  // buildid -> build, union of both lists, kept current by events
  for (const b of recent.builds.concat(running.builds)) builds.set(b.buildid, b);

  const runningBox = el('section', { class: 'card', 'data-testid': 'running-builds' });
  const recentBox = el('section', { class: 'card', 'data-testid': 'recent-builds' });
  const summaryBox = el('section', { class: 'card', 'data-testid': 'builders-summary' });

  const row = (b) => el('tr', { 'data-testid': 'build-row', dataset: { buildid: b.buildid } },
    el('td', null, el('a', { href: '#/builders/' + b.builderid }, names.get(b.builderid) || String(b.builderid))),
    el('td', null, buildChip(b)),
    el('td', null, ctx.badge(b.results, resultText(b))),
    el('td', { class: 'state' }, b.state_string),
    timeCell(b.started_at),
    el('td', { class: 'num' }, buildDuration(b)));

  function draw() {
    const all = [...builds.values()].sort((a, b) => b.buildid - a.buildid);
    const active = all.filter((b) => !b.complete);
    const done = all.filter((b) => b.complete).slice(0, limit);

    const r = table(['Builder', 'Build', 'Result', 'Status', 'Started', 'Duration']);
    r.tbody.append(...(active.length ? active.map(row) : [emptyRow(6, 'No build is running.')]));
    replaceChildren(runningBox, el('h2', null, 'Running builds (' + active.length + ')'), r.node);

    const d = table(['Builder', 'Build', 'Result', 'Status', 'Started', 'Duration']);
    d.tbody.append(...(done.length ? done.map(row) : [emptyRow(6, 'No build yet.')]));
    replaceChildren(recentBox, el('h2', null, 'Recent builds'), d.node);

    // Last known build per builder, from what this page already loaded.
    const last = new Map();
    for (const b of all) if (!last.has(b.builderid)) last.set(b.builderid, b);
    const items = builders.builders.filter((b) => b.masterids.length).map((b) => {
      const lb = last.get(b.builderid);
      return el('li', { 'data-testid': 'summary-builder' },
        el('a', { href: lb ? buildHref(lb) : '#/builders/' + b.builderid,
          class: 'summary ' + (lb ? ctx.result(lb.results).cls : 'result-none') + (lb && !lb.complete ? ' running' : '') }, b.name));
    });
    replaceChildren(summaryBox,
      el('h2', null, el('a', { href: '#/builders' }, 'Builders'), ' (' + items.length + ')'),
      items.length ? el('ul', { class: 'summary-list' }, items) : el('p', { class: 'muted' }, 'No builder is configured.'));
  }

  draw();
  ctx.replaceChildren(root, el('div', { class: 'columns' }, el('div', null, runningBox, recentBox), summaryBox));

  const redraw = scheduler(draw);
  ctx.subscribe('builds/*/*', (key, build) => {
    builds.set(build.buildid, Object.assign(builds.get(build.buildid) || {}, build));
    if (builds.size > limit + 200) {  // keep memory bounded on a busy master
      const keep = [...builds.values()].sort((a, b) => b.buildid - a.buildid).filter((b, i) => i < limit || !b.complete);
      builds.clear();
      for (const b of keep) builds.set(b.buildid, b);
    }
    redraw();
  });
  ctx.subscribe('builders/*/*', async () => {
    const fresh = await api('builders', { field: ['builderid', 'name', 'masterids'] });
    builders.builders = fresh.builders;
    for (const b of fresh.builders) names.set(b.builderid, b.name);
    redraw();
  });
}

// One build: header with result and controls, steps expandable to their logs (which follow
// a running step), properties and changes. Steps and the header update live.
import { buildDuration, resultText, allowedActions, changeItem, scheduler } from '../widgets.js';
import { logViewer } from '../logview.js';

export const route = '/builders/:builderid/builds/:number';
export const aliases = ['/builds/:buildid'];
export const title = 'Build';
export const settings = [
  { key: 'Build.show_hidden_steps', type: 'bool', default: false, label: 'Show hidden steps' },
  { key: 'Logs.initial_lines', type: 'integer', default: 5000, label: 'Log lines loaded at first (the rest on demand)' },
];

export async function render(root, ctx) {
  const { el, api, rpc, replaceChildren } = ctx;
  const buildPath = ctx.params.buildid
    ? 'builds/' + encodeURIComponent(ctx.params.buildid)
    : 'builders/' + encodeURIComponent(ctx.params.builderid) + '/builds/' + encodeURIComponent(ctx.params.number);
  let build = (await api(buildPath, { property: '*' })).builds[0];
  const [builderReply, stepsReply, workerReply] = await Promise.all([
    api('builders/' + build.builderid, { field: ['builderid', 'name'] }),
    api('builds/' + build.buildid + '/steps'),
    build.workerid ? api('workers/' + build.workerid, { field: ['workerid', 'name'] }).catch(() => null) : null,
  ]);
  const builder = builderReply.builders[0];
  const worker = workerReply && workerReply.workers[0];
  ctx.setTitle(builder.name + ' #' + build.number);
  const showHidden = !!ctx.setting('Build.show_hidden_steps', false);

  // ------------------------------------------------------------ header
  const header = el('div', { class: 'card header-card', 'data-testid': 'build-header' });
  const actionNotice = el('div', { class: 'notice', 'data-testid': 'action-result', hidden: true });
  const actionError = el('div', { class: 'error', role: 'alert', 'data-testid': 'action-error', hidden: true });

  async function control(method, params, button) {
    actionNotice.hidden = true;
    actionError.hidden = true;
    button.disabled = true;
    try {
      const reply = await rpc('builds/' + build.buildid, method, params);
      if (method === 'rebuild' && Array.isArray(reply)) {
        const brids = Object.values(reply[1] || {});
        replaceChildren(actionNotice, 'Rebuild requested (buildset ' + reply[0] + (brids.length ? ', build request ' + brids.join(', ') : '') + ').');
      } else {
        replaceChildren(actionNotice, 'Stop requested.');
      }
      actionNotice.hidden = false;
    } catch (err) {
      replaceChildren(actionError, err.message);
      actionError.hidden = false;
    } finally {
      button.disabled = false;
    }
  }

  const prop = (name) => (build.properties && build.properties[name] ? build.properties[name][0] : null);
  function drawHeader() {
    const stopButton = el('button', { type: 'button', class: 'danger', 'data-testid': 'stop-button',
      onclick: (e) => control('stop', { reason: 'stopped from the web UI' }, e.currentTarget) }, 'Stop');
    const rebuildButton = el('button', { type: 'button', class: 'primary', 'data-testid': 'rebuild-button',
      onclick: (e) => control('rebuild', {}, e.currentTarget) }, 'Rebuild');
    const fact = (label, ...value) => [el('dt', null, label), el('dd', null, ...value)];
    replaceChildren(header,
      el('div', { class: 'title-row' },
        el('h2', null, el('a', { href: '#/builders/' + builder.builderid, 'data-testid': 'build-builder' }, builder.name), ' #' + build.number),
        ctx.badge(build.results, resultText(build), { 'data-testid': 'build-result' }),
        el('span', { class: 'state', 'data-testid': 'build-state' }, build.state_string),
        el('span', { class: 'spacer' }),
        build.number > 1 ? el('a', { class: 'button', href: '#/builders/' + builder.builderid + '/builds/' + (build.number - 1), 'data-testid': 'build-prev' }, '\u2190 #' + (build.number - 1)) : null,
        el('a', { class: 'button', href: '#/builders/' + builder.builderid + '/builds/' + (build.number + 1), 'data-testid': 'build-next' }, '#' + (build.number + 1) + ' \u2192')),
      el('dl', { class: 'facts' },
        fact('Started', ctx.dateText(build.started_at)),
        build.complete_at ? fact('Finished', ctx.dateText(build.complete_at)) : null,
        fact('Duration', buildDuration(build)),
        fact('Worker', worker ? el('a', { href: '#/workers/' + worker.workerid }, worker.name) : (prop('workername') || '')),
        prop('reason') ? fact('Reason', String(prop('reason'))) : null,
        prop('owner') ? fact('Owner', String(prop('owner'))) : null),
      actions, actionNotice, actionError);
    // Only the button the rules allow this user on this build.
    const wanted = build.complete ? 'rebuild' : 'stop';
    allowedActions('builds/' + build.buildid, [wanted]).then((allowed) => {
      replaceChildren(actions, allowed[wanted] ? (build.complete ? rebuildButton : stopButton) : null);
    });
  }
  const actions = el('div', { class: 'actions', 'data-testid': 'build-actions' });

  // ------------------------------------------------------------ steps
  const stepRows = new Map();  // stepid -> {row, step, open, viewers}
  const stepList = el('ol', { class: 'steps', 'data-testid': 'steps' });

  function stepHead(step) {
    const r = ctx.result(step.results);
    const running = step.started_at && !step.complete;
    const dur = step.started_at ? ctx.duration((step.complete_at || Date.now() / 1000) - step.started_at) : '';
    return el('button', { type: 'button', class: 'step-head', 'aria-expanded': 'false', 'data-testid': 'step-head' },
      el('span', { class: 'step-number' }, String(step.number)),
      el('span', { class: 'step-name', 'data-testid': 'step-name' }, step.name),
      el('span', { class: 'state' }, step.state_string),
      el('span', { class: 'spacer' }),
      el('span', { class: 'num' }, dur),
      el('span', { class: 'badge ' + r.cls, 'data-testid': 'step-result' }, running ? 'running' : (step.started_at ? r.name : 'pending')));
  }

  function stepRow(step) {
    const entry = { step, open: false, viewers: [], body: el('div', { class: 'step-body', hidden: true, 'data-testid': 'step-body' }), offLogs: null };
    const r = ctx.result(step.results);
    entry.head = stepHead(step);
    entry.row = el('li', { class: 'step ' + r.cls + (step.started_at && !step.complete ? ' running' : ''), 'data-testid': 'step-row',
      dataset: { stepid: step.stepid, number: step.number } }, entry.head, entry.body);
    entry.row.addEventListener('click', (event) => {
      if (event.target.closest('.step-head') === entry.head) toggleStep(entry);
    });
    return entry;
  }

  function closeViewers(entry) {
    for (const v of entry.viewers) v.stop();
    entry.viewers = [];
    if (entry.offLogs) { entry.offLogs(); entry.offLogs = null; }
  }

  async function toggleStep(entry) {
    entry.open = !entry.open;
    entry.head.setAttribute('aria-expanded', String(entry.open));
    entry.body.hidden = !entry.open;
    if (!entry.open) { closeViewers(entry); return; }
    const step = entry.step;
    const logList = el('ul', { class: 'log-list', 'data-testid': 'log-list' });
    const viewerBox = el('div', { class: 'log-box' });
    const urls = (step.urls || []).map((u) => el('li', null, el('a', { href: u.url, rel: 'noopener', 'data-testid': 'step-url' }, u.name)));
    replaceChildren(entry.body, urls.length ? el('ul', { class: 'step-urls' }, urls) : null, logList, viewerBox);
    const known = new Set();
    const openLog = (log, link) => {
      for (const v of entry.viewers) v.stop();
      for (const a of logList.querySelectorAll('.current')) a.classList.remove('current');
      link.classList.add('current');
      const viewer = logViewer(log);
      entry.viewers = [viewer];
      replaceChildren(viewerBox, viewer.node);
    };
    const addLog = (log) => {
      if (known.has(log.logid)) return;
      known.add(log.logid);
      const link = el('button', { type: 'button', class: 'link log-link', 'data-testid': 'log-link', dataset: { logid: log.logid, slug: log.slug } },
        log.name);
      link.addEventListener('click', () => openLog(log, link));
      logList.appendChild(el('li', null, link));
      return link;
    };
    try {
      const logs = (await api('steps/' + step.stepid + '/logs')).logs;
      if (!entry.open) return;
      const links = logs.map(addLog);
      // Open the obvious log: the only one, or stdio.
      const main = logs.length === 1 ? 0 : logs.findIndex((l) => l.slug === 'stdio');
      if (main >= 0) openLog(logs[main], links[main]);
      if (!logs.length) logList.appendChild(el('li', { class: 'muted' }, 'no logs'));
      if (!step.complete) {
        entry.offLogs = ctx.subscribe('steps/' + step.stepid + '/logs/*/new', (key, log) => addLog(log));
      }
    } catch (err) {
      entry.body.appendChild(ctx.errorBox(err));
    }
  }

  function upsertStep(step) {
    if (step.hidden && !showHidden) return;
    const entry = stepRows.get(step.stepid);
    if (!entry) {
      const fresh = stepRow(step);
      stepRows.set(step.stepid, fresh);
      stepList.appendChild(fresh.row);
      return;
    }
    entry.step = Object.assign(entry.step, step);
    const head = stepHead(entry.step);
    head.setAttribute('aria-expanded', String(entry.open));
    entry.head.replaceWith(head);
    entry.head = head;
    const r = ctx.result(entry.step.results);
    entry.row.className = 'step ' + r.cls + (entry.step.started_at && !entry.step.complete ? ' running' : '');
  }

  for (const step of stepsReply.steps) upsertStep(step);

  // ------------------------------------------------------------ properties & changes
  const propertiesBox = el('div', { 'data-testid': 'properties' });
  function drawProperties() {
    const names = Object.keys(build.properties || {}).sort();
    const rows = names.map((name) => {
      const [value, source] = build.properties[name];
      return el('tr', { 'data-testid': 'property-row', dataset: { name } },
        el('td', { class: 'name' }, name),
        el('td', { class: 'value' }, typeof value === 'string' ? value : JSON.stringify(value)),
        el('td', { class: 'muted' }, source));
    });
    replaceChildren(propertiesBox, el('table', { class: 'grid', 'data-testid': 'properties-table' },
      el('thead', null, el('tr', null, el('th', null, 'Name'), el('th', null, 'Value'), el('th', null, 'Source'))),
      el('tbody', null, rows.length ? rows : el('tr', { class: 'empty-row' }, el('td', { colspan: 3 }, 'No properties.')))));
  }
  drawProperties();

  const changesBox = el('div', { 'data-testid': 'changes' });
  let changesLoaded = false;
  async function loadChanges() {
    if (changesLoaded) return;
    changesLoaded = true;
    replaceChildren(changesBox, el('p', { class: 'muted' }, 'Loading\u2026'));
    try {
      const changes = (await api('builds/' + build.buildid + '/changes')).changes;
      replaceChildren(changesBox, changes.length
        ? el('ul', { class: 'changes', 'data-testid': 'build-changes' }, changes.map(changeItem))
        : el('p', { class: 'muted' }, 'No changes.'));
    } catch (err) {
      replaceChildren(changesBox, ctx.errorBox(err));
    }
  }

  // Tabs switch in place: no refetch, open logs keep following.
  const panels = { steps: stepList, properties: propertiesBox, changes: changesBox };
  const tabs = el('div', { class: 'tabs', role: 'tablist' });
  function select(name) {
    for (const [key, panel] of Object.entries(panels)) panel.hidden = key !== name;
    for (const b of tabs.children) b.classList.toggle('current', b.dataset.tab === name);
    if (name === 'changes') loadChanges();
  }
  for (const name of Object.keys(panels)) {
    tabs.appendChild(el('button', { type: 'button', role: 'tab', class: 'tab', dataset: { tab: name }, 'data-testid': 'tab-' + name,
      onclick: () => select(name) }, name[0].toUpperCase() + name.slice(1)));
  }
  select(ctx.query.tab in panels ? ctx.query.tab : 'steps');

  drawHeader();
  replaceChildren(root, header, tabs, stepList, propertiesBox, changesBox);

  // ------------------------------------------------------------ live
  const redrawHeader = scheduler(drawHeader);
  ctx.subscribe('builds/' + build.buildid + '/*', async (key, msg) => {
    build = Object.assign({}, build, msg, { properties: build.properties });
    redrawHeader();
    if (key.endsWith('/finished')) {
      try {
        const properties = (await api('builds/' + build.buildid, { property: '*' })).builds[0].properties;
        build = Object.assign({}, build, { properties });  // build may have been replaced meanwhile
        drawProperties();
        redrawHeader();
      } catch (_) { /* keep the old properties */ }
    }
  });
  ctx.subscribe('builds/' + build.buildid + '/steps/*/*', (key, step) => upsertStep(step));
  // A running build's durations keep growing between events.
  const ticker = setInterval(() => {
    if (build.complete) return;
    redrawHeader();
    for (const entry of stepRows.values()) if (entry.step.started_at && !entry.step.complete) upsertStep(entry.step);
  }, 5000);
  ctx.onCleanup(() => {
    clearInterval(ticker);
    for (const entry of stepRows.values()) closeViewers(entry);
  });
}

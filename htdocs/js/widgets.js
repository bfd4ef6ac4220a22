// Small pieces several pages share: build links, tables, pagers, change entries.
import { el, config, result, duration, ago, dateText, isLoggedIn, avatarFallback, getJSON } from './lib.js';

// authz is always {} in the frontend config, so by itself the UI cannot know the rules: it
// offers control to anyone who could be allowed (everyone under NoAuth, else logged-in
// users) and shows the server's 403 message when the rules say no.
export function canControl() {
  const auth = config.auth || {};
  return !auth.name || auth.name === 'NoAuth' || isLoggedIn();
}

// What the rules allow this user on one object (views/can.json runs the same check as the
// call): {stop: true, rebuild: false}. Falls back to canControl() if the answer fails.
export async function allowedActions(path, actions, builderid) {
  const query = 'path=' + encodeURIComponent(path) + '&actions=' + actions.join(',') +
    (builderid ? '&builderid=' + builderid : '');
  try {
    return await getJSON('views/can.json?' + query);
  } catch (err) {
    return Object.fromEntries(actions.map((a) => [a, canControl()]));
  }
}

export function buildHref(build) {
  return '#/builders/' + build.builderid + '/builds/' + build.number;
}

export function resultText(build) {
  if (build.results === null || build.results === undefined) return build.complete ? 'pending' : 'building';
  return result(build.results).name;
}

// A compact build link colored by result: "#12".
export function buildChip(build, attrs) {
  const r = result(build.results);
  const running = !build.complete && (build.results === null || build.results === undefined);
  return el('a', Object.assign({
    href: buildHref(build),
    class: 'chip ' + r.cls + (running ? ' running' : ''),
    // No date here: toLocaleString per chip is costly on pages with thousands of chips.
    title: build.state_string || resultText(build),
    dataset: { buildid: build.buildid },
  }, attrs || {}), '#' + build.number);
}

export function buildDuration(build) {
  if (!build.started_at) return '';
  const end = build.complete_at || Date.now() / 1000;
  return duration(end - build.started_at);
}

export function timeCell(unixSeconds) {
  return el('td', { class: 'time', title: dateText(unixSeconds) }, ago(unixSeconds));
}

export function table(headers, attrs) {
  const tbody = el('tbody');
  const node = el('table', Object.assign({ class: 'grid' }, attrs || {}),
    el('thead', null, el('tr', null, headers.map((h) => el('th', null, h)))),
    tbody);
  return { node, tbody };
}

export function emptyRow(columns, text) {
  return el('tr', { class: 'empty-row' }, el('td', { colspan: columns }, text));
}

// Offset paging. The API's meta.total is the count returned when limit is pushed to SQL,
// so pages fetch limit+1 rows to learn whether a next page exists.
export function pager(ctx, offset, limit, hasNext) {
  if (offset === 0 && !hasNext) return null;  // everything fits on one page
  const link = (to, label, testid) => {
    const query = new URLSearchParams(ctx.search || '');
    if (to > 0) query.set('offset', to); else query.delete('offset');
    const qs = query.toString();
    return el('a', { href: '#' + ctx.path + (qs ? '?' + qs : ''), class: 'button', 'data-testid': testid }, label);
  };
  return el('div', { class: 'pager', 'data-testid': 'pager' },
    offset > 0 ? link(Math.max(0, offset - limit), '\u2190 Newer', 'pager-newer') : null,
    el('span', { class: 'muted' }, 'showing ' + (offset + 1) + '\u2013' + (offset + limit)),
    hasNext ? link(offset + limit, 'Older \u2192', 'pager-older') : null);
}

export function offsetFrom(ctx) {
  const n = parseInt(ctx.query.offset, 10);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

// Debounce redraws triggered by bursts of websocket events into one frame.
export function scheduler(fn) {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; fn(); });
  };
}

function authorEmail(author) {
  const m = /<([^>]+)>/.exec(author || '');
  return m ? m[1] : (/@/.test(author || '') ? author : '');
}

function avatarsEnabled() {
  return Array.isArray(config.avatar_methods) && config.avatar_methods.length > 0;
}

export function changeItem(change) {
  const email = authorEmail(change.author);
  const revision = change.revision || '';
  const shortRev = revision.length > 12 ? revision.slice(0, 12) : revision;
  const revNode = change.revlink && /^https?:/i.test(change.revlink)
    ? el('a', { href: change.revlink, title: revision, rel: 'noopener' }, shortRev || 'link')
    : el('code', { title: revision }, shortRev);
  const files = change.files || [];
  return el('li', { class: 'change', 'data-testid': 'change-row', dataset: { changeid: change.changeid } },
    el('div', { class: 'change-head' },
      avatarsEnabled() && email ? el('img', { class: 'avatar', src: 'avatar?email=' + encodeURIComponent(email), alt: '', width: 20, height: 20, onerror: avatarFallback }) : null,
      el('span', { class: 'author', 'data-testid': 'change-author' }, change.author),
      el('span', { class: 'revision', 'data-testid': 'change-revision' }, revNode),
      change.branch ? el('span', { class: 'tag' }, change.branch) : null,
      change.project ? el('span', { class: 'muted' }, change.project) : null,
      el('span', { class: 'muted time', title: dateText(change.when_timestamp) }, ago(change.when_timestamp))),
    el('div', { class: 'comments', 'data-testid': 'change-comments' }, change.comments),
    files.length
      ? el('details', { class: 'files' },
          el('summary', null, files.length + (files.length === 1 ? ' file' : ' files')),
          el('ul', { 'data-testid': 'change-files' }, files.map((f) => el('li', null, f))))
      : null);
}

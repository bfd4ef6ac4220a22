// Log viewer. Reads line ranges from api/v2/logs/<id>/contents; for a log still being
// written it follows new lines: websocket "logs/<id>/*" events (append/finished carry
// num_lines) trigger a read at once, and a slow poll of logs/<id> covers a lost socket.
import { el, api, subscribe, setting, replaceChildren } from './lib.js';

const POLL_MS = 3000;
const CHUNK_LINES = 10000;
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;  // color codes would show as garbage in text

export function logViewer(log) {
  const initial = Math.max(100, Number(setting('Logs.initial_lines', 5000)) || 5000);
  const pre = el('pre', { class: 'log-text log-type-' + log.type, 'data-testid': 'log-text' });
  const status = el('span', { class: 'muted', 'data-testid': 'log-status' });
  const earlier = el('button', { type: 'button', class: 'link', hidden: true, 'data-testid': 'log-load-all' }, 'load earlier lines');
  const node = el('div', { class: 'log', 'data-testid': 'log-viewer', dataset: { logid: log.logid } },
    el('div', { class: 'log-bar' },
      el('strong', null, log.name), ' ', status, ' ', earlier, ' ',
      el('a', { href: 'api/v2/logs/' + log.logid + '/raw', class: 'link', 'data-testid': 'log-raw', download: log.slug || 'log' }, 'download')),
    pre);

  let first = 0;          // first line shown
  let next = 0;           // next line to read
  let numLines = log.num_lines;
  let complete = log.complete;
  let busy = false;
  let again = false;
  let stopped = false;
  let lastEvent = 0;
  let timer = null;
  let unsubscribe = null;

  function render(content, stream) {
    // One span per run of same-stream lines keeps the DOM small for long logs.
    const fragment = document.createDocumentFragment();
    if (log.type !== 's') {
      fragment.appendChild(document.createTextNode(content.replace(ANSI, '')));
      return fragment;
    }
    let runClass = null;
    let runText = '';
    const flush = () => {
      if (runText) fragment.appendChild(el('span', { class: 'log-' + runClass }, runText));
      runText = '';
    };
    for (const line of content.split('\n')) {
      if (line === '') continue;
      const cls = /[oeh]/.test(line[0]) ? line[0] : 'o';
      if (cls !== runClass) { flush(); runClass = cls; }
      runText += line.slice(1).replace(ANSI, '') + '\n';
    }
    flush();
    return fragment;
  }

  function showStatus() {
    status.textContent = numLines + ' lines' + (complete ? '' : ' \u2014 following');
    earlier.hidden = first === 0;
  }

  async function read() {
    if (busy) { again = true; return; }
    busy = true;
    try {
      do {
        again = false;
        while (!stopped && next < numLines) {
          const limit = Math.min(numLines - next, CHUNK_LINES);
          const reply = await api('logs/' + log.logid + '/contents', { offset: next, limit });
          const content = reply.logchunks[0].content;
          const count = content ? content.split('\n').length - 1 : 0;
          if (!count) break;
          const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 8;
          pre.appendChild(render(content));
          if (atBottom && !complete) pre.scrollTop = pre.scrollHeight;
          next += count;
        }
      } while (again && !stopped);
    } catch (err) {
      status.textContent = 'error: ' + err.message;
      return;
    } finally {
      busy = false;
    }
    showStatus();
    if (complete && next >= numLines) stopFollowing();
  }

  async function poll() {
    timer = null;
    if (stopped) return;
    if (Date.now() - lastEvent > POLL_MS) {
      try {
        const fresh = (await api('logs/' + log.logid, { field: ['num_lines', 'complete'] })).logs[0];
        numLines = fresh.num_lines;
        complete = fresh.complete;
        await read();
      } catch (_) { /* next poll retries */ }
    }
    if (!stopped && !complete) timer = setTimeout(poll, POLL_MS);
  }

  function stopFollowing() {
    if (unsubscribe) { unsubscribe(); unsubscribe = null; }
    if (timer) { clearTimeout(timer); timer = null; }
  }

  earlier.addEventListener('click', async () => {
    earlier.disabled = true;
    try {
      const reply = await api('logs/' + log.logid + '/contents', { offset: 0, limit: first });
      pre.insertBefore(render(reply.logchunks[0].content), pre.firstChild);
      first = 0;
      showStatus();
    } catch (err) {
      status.textContent = 'error: ' + err.message;
    } finally {
      earlier.disabled = false;
    }
  });

  async function start() {
    if (!complete) {
      unsubscribe = subscribe('logs/' + log.logid + '/*', (key, msg) => {
        lastEvent = Date.now();
        if (msg && typeof msg.num_lines === 'number') numLines = Math.max(numLines, msg.num_lines);
        if (msg && msg.complete) complete = true;
        read();
      });
      timer = setTimeout(poll, POLL_MS);
    }
    try {
      // The row we were given may be stale (the step kept running since the page loaded).
      const fresh = (await api('logs/' + log.logid, { field: ['num_lines', 'complete'] })).logs[0];
      numLines = fresh.num_lines;
      complete = fresh.complete;
    } catch (_) { /* keep the given counts */ }
    first = next = Math.max(0, numLines - initial);
    showStatus();
    if (log.type === 'h') replaceChildren(pre, el('span', { class: 'muted' }, 'HTML log shown as text; use download to view it.\n'));
    await read();
    if (complete) pre.scrollTop = 0;
  }

  start();
  return {
    node,
    stop() { stopped = true; stopFollowing(); },
  };
}

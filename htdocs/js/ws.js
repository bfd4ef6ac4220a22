// One websocket to "ws" (relative, so it follows a sub-path) speaking Buildbot's protocol:
// {"cmd":"startConsuming","path":P,"_id":n}; events arrive as {"k": routingKey, "m": message}.
// Opened lazily on the first subscription; reconnects with backoff and re-subscribes.

const PING_SECONDS = 30;      // keeps idle proxies (mod_proxy_wstunnel) from timing out
const MAX_BACKOFF_MS = 30000;

function socketUrl() {
  const url = new URL('ws', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  url.hash = '';
  url.search = '';
  return url.href;
}

// Routing-key filters match segment by segment, '*' = any one segment, same length.
function matches(pattern, key) {
  if (pattern.length !== key.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] !== '*' && pattern[i] !== key[i]) return false;
  }
  return true;
}

class Socket {
  constructor() {
    this.ws = null;
    this.nextId = 1;
    this.subscriptions = new Map();  // path -> {pattern, callbacks:Set}
    this.backoff = 1000;
    this.timer = null;
    this.pingTimer = null;
    this.everOpened = false;
    this.reconnectListeners = new Set();
    this.duplicates = new Map();     // frame text -> copies still expected
    this.state = 'closed';
  }

  subscribe(path, callback) {
    let sub = this.subscriptions.get(path);
    if (!sub) {
      sub = { pattern: path.split('/'), callbacks: new Set() };
      this.subscriptions.set(path, sub);
      this.send({ cmd: 'startConsuming', path });
    }
    sub.callbacks.add(callback);
    this.ensureOpen();
    return () => {
      sub.callbacks.delete(callback);
      if (sub.callbacks.size === 0 && this.subscriptions.get(path) === sub) {
        this.subscriptions.delete(path);
        this.send({ cmd: 'stopConsuming', path });
      }
    };
  }

  // Called after a reconnect (not the first open): events may have been missed.
  onReconnect(listener) {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  send(frame) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;  // sent again on open
    frame._id = this.nextId++;
    this.ws.send(JSON.stringify(frame));
  }

  ensureOpen() {
    if (this.ws || this.timer || typeof WebSocket === 'undefined') return;
    let ws;
    try { ws = new WebSocket(socketUrl()); } catch (_) { this.scheduleReconnect(); return; }
    this.ws = ws;
    this.state = 'connecting';
    ws.onopen = () => {
      this.state = 'open';
      this.backoff = 1000;
      for (const path of this.subscriptions.keys()) this.send({ cmd: 'startConsuming', path });
      this.pingTimer = setInterval(() => this.send({ cmd: 'ping' }), PING_SECONDS * 1000);
      if (this.everOpened) for (const listener of this.reconnectListeners) listener();
      this.everOpened = true;
    };
    ws.onmessage = (event) => this.dispatch(event.data);
    ws.onclose = () => {
      clearInterval(this.pingTimer);
      this.ws = null;
      this.state = 'closed';
      if (this.subscriptions.size) this.scheduleReconnect();
    };
    ws.onerror = () => { /* onclose follows and reconnects */ };
  }

  scheduleReconnect() {
    if (this.timer) return;
    const delay = this.backoff + Math.random() * 500;
    this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
    this.timer = setTimeout(() => { this.timer = null; this.ensureOpen(); }, delay);
  }

  dispatch(text) {
    let frame;
    try { frame = JSON.parse(text); } catch (_) { return; }
    if (!frame || typeof frame.k !== 'string') return;  // command replies (OK, pong, errors)
    // The server sends an event once per matching subscription; deliver it once.
    const pending = this.duplicates.get(text);
    if (pending) {
      if (pending > 1) this.duplicates.set(text, pending - 1); else this.duplicates.delete(text);
      return;
    }
    const key = frame.k.split('/');
    const targets = [];
    for (const sub of this.subscriptions.values()) {
      if (matches(sub.pattern, key)) targets.push(sub);
    }
    if (targets.length > 1) {
      this.duplicates.set(text, targets.length - 1);
      if (this.duplicates.size > 1000) this.duplicates.clear();  // never grow unbounded
    }
    const seen = new Set();
    for (const sub of targets) {
      for (const callback of sub.callbacks) {
        if (seen.has(callback)) continue;
        seen.add(callback);
        try { callback(frame.k, frame.m); } catch (err) { console.error(err); }
      }
    }
  }
}

export const socket = new Socket();

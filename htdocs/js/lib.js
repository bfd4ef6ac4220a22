// The ctx contract shared by every page (htdocs/README.md, "ctx").
// Everything here is relative to the page URL so the site works at any sub-path.
import { socket } from './ws.js';

export const config = window.buildbotFrontendConfig || {};

// ---------------------------------------------------------------- HTTP

function queryString(query) {
  const parts = [];
  for (const [key, value] of Object.entries(query || {})) {
    if (value === undefined || value === null) continue;
    // Arrays repeat the key (field=a&field=b), as the REST API expects.
    for (const v of Array.isArray(value) ? value : [value]) {
      parts.push(encodeURIComponent(key) + '=' + encodeURIComponent(String(v)));
    }
  }
  return parts.length ? '?' + parts.join('&') : '';
}

// The REST layer answers errors as {"error": "..."}; JSON-RPC as {"error": {"message": ...}}.
async function errorFrom(response) {
  let text = '';
  try { text = await response.text(); } catch (_) { /* keep the status line */ }
  let message = response.status + ' ' + response.statusText;
  let detail = null;
  try {
    const body = JSON.parse(text);
    const error = body && body.error;
    if (typeof error === 'string') message = error;
    else if (error && error.message !== undefined) {
      detail = error.message;
      message = typeof detail === 'string' ? detail : messageOfObject(detail);
    }
  } catch (_) {
    if (text && text.length < 300) message = text;
  }
  const err = new Error(message);
  err.status = response.status;
  err.detail = detail;  // the force validation object {field: text} when 400
  return err;
}

function messageOfObject(obj) {
  if (obj && typeof obj === 'object') return Object.values(obj).map(String).join('; ');
  return String(obj);
}

export async function getJSON(url) {
  const response = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  if (!response.ok) throw await errorFrom(response);
  return response.json();
}

export function api(path, query) {
  return getJSON('api/v2/' + path + queryString(query));
}

let rpcId = 0;
export async function rpc(path, method, params) {
  const response = await fetch('api/v2/' + path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', method, params: params || {}, id: ++rpcId }),
  });
  if (!response.ok) throw await errorFrom(response);
  const body = await response.json();
  if (body.error) {
    const err = new Error(typeof body.error.message === 'string' ? body.error.message : messageOfObject(body.error.message));
    err.detail = body.error.message;
    throw err;
  }
  return body.result;
}

export function subscribe(path, callback) {
  return socket.subscribe(path, callback);
}

// ---------------------------------------------------------------- DOM

// A link from data (revlink, step URLs) must not run script.
export function safeUrl(url) {
  const s = String(url);
  return /^\s*(javascript|data|vbscript):/i.test(s) ? '#' : s;
}

const PROPERTY_ATTRS = new Set(['value', 'checked', 'selected', 'disabled', 'open']);

export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'class' || name === 'className') node.className = value;
      else if (name === 'dataset') Object.assign(node.dataset, value);
      else if (name.startsWith('on') && typeof value === 'function') node.addEventListener(name.slice(2).toLowerCase(), value);
      else if (PROPERTY_ATTRS.has(name)) node[name] = value;
      else if (name === 'href' || name === 'src') node.setAttribute(name, safeUrl(value));
      else node.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(node, children);
  return node;
}

// Strings and numbers become text nodes: data never reaches innerHTML.
export function append(node, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else if (child instanceof Node) node.appendChild(child);
    else node.appendChild(document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

// Replace a node's content in one DOM operation (built off-document first).
export function replaceChildren(node, ...children) {
  const fragment = document.createDocumentFragment();
  append(fragment, children);
  clear(node);
  node.appendChild(fragment);
  return node;
}

export function navigate(hash) {
  const target = hash.startsWith('#') ? hash : '#' + hash;
  if (location.hash === target) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = target;
}

// ---------------------------------------------------------------- settings

const SETTINGS_KEY = 'bbwww.settings';

// Filled by app.js from every page module's optional `settings` export; the settings page lists them.
export const settingDefinitions = [];

function storedSettings() {
  try { return JSON.parse(localStorage.getItem(SETTINGS_KEY)) || {}; } catch (_) { return {}; }
}

export function setting(key, fallback) {
  const stored = storedSettings();
  if (Object.prototype.hasOwnProperty.call(stored, key)) return stored[key];
  const defaults = config.ui_default_config || {};
  if (Object.prototype.hasOwnProperty.call(defaults, key)) return defaults[key];
  return fallback;
}

// value undefined = forget the override (back to ui_default_config / the page default).
export function setSetting(key, value) {
  const stored = storedSettings();
  if (value === undefined) delete stored[key];
  else stored[key] = value;
  try { localStorage.setItem(SETTINGS_KEY, JSON.stringify(stored)); } catch (_) { /* private mode */ }
}

// ---------------------------------------------------------------- text helpers

const RESULT_NAMES = ['success', 'warnings', 'failure', 'skipped', 'exception', 'retry', 'cancelled'];

export function result(code) {
  const name = (typeof code === 'number' && code >= 0 && code < RESULT_NAMES.length) ? RESULT_NAMES[code] : 'pending';
  return { name, cls: 'result-' + name };
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined || isNaN(seconds)) return '';
  let s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86400); s -= d * 86400;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  if (d) return d + 'd ' + h + 'h';
  if (h) return h + 'h ' + m + 'm';
  if (m) return m + 'm ' + s + 's';
  return s + 's';
}

export function ago(unixSeconds) {
  if (!unixSeconds) return '';
  const delta = Date.now() / 1000 - unixSeconds;
  if (delta < 0) return 'in ' + duration(-delta);
  if (delta < 45) return 'just now';
  return duration(delta).split(' ')[0] + ' ago';
}

export function dateText(unixSeconds) {
  return unixSeconds ? new Date(unixSeconds * 1000).toLocaleString() : '';
}

// ---------------------------------------------------------------- shared widgets

// A result badge: data-testid is set by callers that need a stable hook.
export function badge(results, text, attrs) {
  const r = result(results);
  return el('span', Object.assign({ class: 'badge ' + r.cls, title: r.name }, attrs || {}), text === undefined ? r.name : text);
}

export function errorBox(err) {
  return el('div', { class: 'error', role: 'alert', 'data-testid': 'error' }, String(err && err.message || err));
}

// An avatar that cannot load (e.g. gravatar unreachable) falls back to the shipped placeholder.
export function avatarFallback(event) {
  const img = event.currentTarget;
  if (!img.src.endsWith('img/nobody.png')) img.src = 'img/nobody.png';
}

export function isLoggedIn() {
  const user = config.user || {};
  return !user.anonymous && !!(user.username || user.email || user.full_name);
}

// The ctx a page receives; the router adds params, query and page-scoped subscribe.
export const baseContext = {
  config, api, getJSON, rpc, subscribe, el, navigate, setting, setSetting,
  result, duration, ago, dateText, settingDefinitions, append, clear, replaceChildren, badge, errorBox, isLoggedIn, safeUrl, avatarFallback,
};

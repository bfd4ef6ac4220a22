// The shell: side nav, top bar with title and login, and a hash router over the page modules.
import { baseContext, config, el, replaceChildren, isLoggedIn, settingDefinitions, avatarFallback } from './lib.js';
import { socket } from './ws.js';

// Fixed list; nav order follows it. Imported one by one so a broken or missing page
// (e.g. a view not installed) costs only that page, not the whole app.
const PAGE_MODULES = [
  'home', 'waterfall', 'console', 'grid', 'builders', 'pending', 'changes', 'workers',
  'about', 'settings', 'builder', 'build', 'worker',
];

const pages = [];        // {module, segments}
let current = null;      // {generation, cleanups, page}
let generation = 0;
let shell = null;

function splitPath(path) {
  return path.split('/').filter((s) => s !== '');
}

function parseHash() {
  let hash = location.hash.replace(/^#!?/, '');
  let search = '';
  const q = hash.indexOf('?');
  if (q >= 0) { search = hash.slice(q + 1); hash = hash.slice(0, q); }
  if (!hash.startsWith('/')) hash = '/' + hash;
  const query = {};
  for (const [k, v] of new URLSearchParams(search)) if (!(k in query)) query[k] = v;
  return { path: hash, query, search };
}

function matchRoute(path) {
  const segments = splitPath(path);
  for (const page of pages) {
    for (const pattern of page.patterns) {
      if (pattern.length !== segments.length) continue;
      const params = {};
      let ok = true;
      for (let i = 0; i < pattern.length; i++) {
        if (pattern[i].startsWith(':')) params[pattern[i].slice(1)] = decodeURIComponent(segments[i]);
        else if (pattern[i] !== segments[i]) { ok = false; break; }
      }
      if (ok) return { page, params };
    }
  }
  return null;
}

function pluginEnabled(module) {
  return !module.plugin || Object.prototype.hasOwnProperty.call(config.plugins || {}, module.plugin);
}

function defaultPage() {
  const page = config.default_page;
  if (typeof page !== 'string' || !page.replace(/[#/]/g, '')) return null;
  const route = page.replace(/^#!?/, '');
  return route.startsWith('/') ? route : '/' + route;
}

// ---------------------------------------------------------------- shell

function buildShell() {
  const navList = el('ul', { class: 'nav-list' });
  for (const page of pages) {
    const m = page.module;
    if (!m.nav || !pluginEnabled(m)) continue;
    const href = '#' + (m.navRoute || m.route);
    const name = splitPath(m.navRoute || m.route)[0] || 'home';
    navList.appendChild(el('li', null,
      el('a', { href, class: 'nav-link', dataset: { section: name }, 'data-testid': 'nav-' + name }, m.title)));
  }
  const sidebar = el('nav', { class: 'sidebar', 'data-testid': 'sidebar' },
    el('div', { class: 'sidebar-header' },
      el('a', { href: '#/home', class: 'brand', 'data-testid': 'brand' }, 'Buildbot')),
    navList,
    el('div', { class: 'sidebar-footer' }, 'mod_bbwww'));
  const toggle = el('button', {
    class: 'nav-toggle', type: 'button', 'aria-label': 'Menu', 'data-testid': 'nav-toggle',
    onclick: () => document.body.classList.toggle('nav-open'),
  }, '\u2630');
  const pageTitle = el('h1', { class: 'page-title', 'data-testid': 'page-title' });
  const title = config.titleURL
    ? el('a', { href: config.titleURL, class: 'site-title', 'data-testid': 'title-link' }, config.title || 'Buildbot')
    : el('span', { class: 'site-title', 'data-testid': 'title-link' }, config.title || 'Buildbot');
  const userArea = el('div', { class: 'user-area', 'data-testid': 'user-area' });
  const topbar = el('header', { class: 'topbar' }, toggle, title, el('span', { class: 'sep' }, '/'), pageTitle, userArea);
  const content = el('main', { class: 'content', id: 'content' });
  const warning = config.on_load_warning
    ? el('div', { class: 'error', role: 'alert', 'data-testid': 'load-warning' }, config.on_load_warning)
    : null;
  const root = el('div', { class: 'layout' }, sidebar, el('div', { class: 'main' }, topbar, warning, content));
  replaceChildren(document.getElementById('app') || document.body, root);
  return { navList, pageTitle, userArea, content };
}

function renderUser(path) {
  const auth = config.auth || {};
  if (!auth.name || auth.name === 'NoAuth') { replaceChildren(shell.userArea); return; }
  const redirect = encodeURIComponent(location.hash.replace(/^#/, '') || '/');
  if (!isLoggedIn()) {
    const label = auth.oauth2 ? 'Login with ' + auth.name : 'Login';
    replaceChildren(shell.userArea,
      el('a', { href: 'auth/login?redirect=' + redirect, class: 'login', 'data-testid': 'login' }, label));
    return;
  }
  const user = config.user;
  const name = user.full_name || user.username || user.email;
  const avatars = Array.isArray(config.avatar_methods) && config.avatar_methods.length > 0;
  const avatarQuery = new URLSearchParams();
  if (user.username) avatarQuery.set('username', user.username);
  if (user.email) avatarQuery.set('email', user.email);
  replaceChildren(shell.userArea,
    avatars ? el('img', { class: 'avatar', src: 'avatar?' + avatarQuery, alt: '', width: 24, height: 24, 'data-testid': 'avatar', onerror: avatarFallback }) : null,
    el('span', { class: 'user-name', 'data-testid': 'user-name', title: user.email || '' }, name),
    el('a', { href: 'auth/logout?redirect=' + redirect, class: 'logout', 'data-testid': 'logout' }, 'Logout'));
}

function highlightNav(path) {
  const section = splitPath(path)[0] || 'home';
  for (const link of shell.navList.querySelectorAll('a')) {
    const on = link.dataset.section === section;
    link.classList.toggle('current', on);
    if (on) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
  }
}

// ---------------------------------------------------------------- router

function teardown() {
  if (!current) return;
  for (const fn of current.cleanups.splice(0)) {
    try { fn(); } catch (err) { console.error(err); }
  }
}

async function route() {
  const { path, query, search } = parseHash();
  if ((path === '/' || path === '') && defaultPage() && defaultPage() !== '/') {
    location.replace('#' + defaultPage());
    return;
  }
  teardown();
  const gen = ++generation;
  const cleanups = [];
  current = { generation: gen, cleanups };
  document.body.classList.remove('nav-open');
  renderUser(path);
  highlightNav(path);

  const root = el('div', { class: 'page' });
  replaceChildren(shell.content, root);
  const match = matchRoute(path);
  if (!match || !pluginEnabled(match.page.module)) {
    shell.pageTitle.textContent = 'Not found';
    document.title = 'Not found - ' + (config.title || 'Buildbot');
    root.appendChild(el('div', { class: 'empty', 'data-testid': 'not-found' },
      'There is no page at ', el('code', null, path), '. ', el('a', { href: '#/home' }, 'Home')));
    return;
  }
  const module = match.page.module;
  const alive = () => gen === generation;
  const ctx = Object.assign(Object.create(baseContext), {
    params: match.params,
    query,
    search,
    path,
    alive,
    // Page-scoped: dropped automatically when the route changes.
    subscribe(pathPattern, callback) {
      if (!alive()) return () => {};
      const off = baseContext.subscribe(pathPattern, (k, m) => { if (alive()) callback(k, m); });
      cleanups.push(off);
      return off;
    },
    onCleanup(fn) { if (alive()) cleanups.push(fn); else fn(); },
    setTitle(text) {
      if (!alive()) return;
      shell.pageTitle.textContent = text;
      document.title = text + ' - ' + (config.title || 'Buildbot');
    },
  });
  ctx.setTitle(module.title);
  try {
    const cleanup = await module.render(root, ctx);
    if (typeof cleanup === 'function') ctx.onCleanup(cleanup);
  } catch (err) {
    console.error(err);
    if (alive()) root.appendChild(baseContext.errorBox(err));
  }
}

async function start() {
  const loaded = await Promise.allSettled(PAGE_MODULES.map((name) => import('./pages/' + name + '.js')));
  loaded.forEach((outcome, i) => {
    if (outcome.status !== 'fulfilled') {
      console.warn('page module ' + PAGE_MODULES[i] + ' not loaded:', outcome.reason);
      return;
    }
    const module = outcome.value;
    if (typeof module.route !== 'string' || typeof module.render !== 'function') return;
    const routes = [module.route].concat(module.aliases || []);
    pages.push({ module, patterns: routes.map(splitPath) });
    if (Array.isArray(module.settings)) settingDefinitions.push(...module.settings);
  });
  shell = buildShell();
  window.addEventListener('hashchange', route);
  // Events may have been missed while the socket was down: draw the page again.
  socket.onReconnect(() => route());
  route();
}

start();

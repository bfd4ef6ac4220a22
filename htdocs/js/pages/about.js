// About: versions and a summary of the frontend configuration, plus the masters.
export const route = '/about';
export const title = 'About';
export const nav = true;

export async function render(root, ctx) {
  const { el, config, api, replaceChildren } = ctx;
  const masters = await api('masters').catch(() => ({ masters: [] }));
  const versions = Array.isArray(config.versions) ? config.versions : [];
  const avatar = config.avatar_methods;
  const summary = [
    ['Title', config.title],
    ['Title URL', config.titleURL],
    ['Buildbot URL', config.buildbotURL],
    ['Authentication', config.auth && config.auth.name],
    ['Avatars', Array.isArray(avatar) ? avatar.map((a) => a.name).join(', ') || 'none' : avatar && avatar.name],
    ['UI plugins', Object.keys(config.plugins || {}).join(', ') || 'none'],
    ['Default page', config.default_page],
    ['Multi-master', config.multiMaster ? 'yes' : 'no'],
    ['UI defaults', config.ui_default_config ? JSON.stringify(config.ui_default_config) : null],
  ].filter(([, v]) => v !== undefined && v !== null && v !== '');
  const dl = el('dl', { class: 'facts', 'data-testid': 'config-summary' },
    summary.map(([k, v]) => [el('dt', null, k), el('dd', null, String(v))]));
  replaceChildren(root,
    el('section', { class: 'card' },
      el('h2', null, 'Versions'),
      el('table', { class: 'grid', 'data-testid': 'versions' },
        el('tbody', null, versions.map((v) => el('tr', { 'data-testid': 'version-row' },
          el('th', null, String(v[0])), el('td', null, v.slice(1).map(String).join(' '))))))),
    el('section', { class: 'card' }, el('h2', null, 'Configuration'), dl),
    el('section', { class: 'card' },
      el('h2', null, 'Masters'),
      el('table', { class: 'grid', 'data-testid': 'masters' },
        el('thead', null, el('tr', null, el('th', null, 'Name'), el('th', null, 'Active'), el('th', null, 'Last active'))),
        el('tbody', null, masters.masters.map((m) => el('tr', null,
          el('td', null, m.name), el('td', null, m.active ? 'yes' : 'no'), el('td', null, ctx.dateText(m.last_active))))))),
    el('p', { class: 'muted' }, 'REST API: ', el('a', { href: 'api/v2' }, 'api/v2'), ' \u00b7 configuration: ', el('a', { href: 'config' }, 'config')));
}

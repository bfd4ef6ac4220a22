// Per-browser settings in localStorage. Each page declares its settings (key, type, default);
// the shown default is ui_default_config's value when the master sets one.
export const route = '/settings';
export const title = 'Settings';
export const nav = true;

function inferType(value) {
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return 'integer';
  return 'text';
}

export async function render(root, ctx) {
  const { el, config, replaceChildren, settingDefinitions } = ctx;
  const definitions = new Map();
  for (const d of settingDefinitions) definitions.set(d.key, d);
  // Keys the master sets that no page declared still get an input.
  for (const [key, value] of Object.entries(config.ui_default_config || {})) {
    if (!definitions.has(key)) definitions.set(key, { key, type: inferType(value), default: value, label: key });
  }
  const saved = el('span', { class: 'notice inline', 'data-testid': 'settings-saved', hidden: true }, 'Saved.');
  const flash = () => { saved.hidden = false; clearTimeout(flash.timer); flash.timer = setTimeout(() => { saved.hidden = true; }, 1500); };

  const groups = new Map();
  for (const d of [...definitions.values()].sort((a, b) => a.key.localeCompare(b.key))) {
    const group = d.key.includes('.') ? d.key.slice(0, d.key.indexOf('.')) : 'General';
    if (!groups.has(group)) groups.set(group, []);
    groups.get(group).push(d);
  }

  const inputs = [];
  function field(d) {
    const base = Object.prototype.hasOwnProperty.call(config.ui_default_config || {}, d.key) ? config.ui_default_config[d.key] : d.default;
    const value = ctx.setting(d.key, d.default);
    const attrs = { id: 'setting-' + d.key, name: d.key, 'data-testid': 'setting-' + d.key };
    let input;
    if (d.type === 'bool') input = el('input', Object.assign({ type: 'checkbox', checked: !!value }, attrs));
    else if (d.type === 'choice') input = el('select', attrs, (d.choices || []).map((c) => el('option', { value: String(c), selected: String(c) === String(value) }, String(c))));
    else input = el('input', Object.assign({ type: d.type === 'integer' ? 'number' : 'text', value: value === undefined || value === null ? '' : String(value) }, attrs));
    const read = () => {
      if (d.type === 'bool') return input.checked;
      if (d.type === 'integer') return input.value === '' ? undefined : Number(input.value);
      return input.value;
    };
    input.addEventListener('change', () => { ctx.setSetting(d.key, read()); flash(); });
    const reset = () => {
      ctx.setSetting(d.key, undefined);
      if (d.type === 'bool') input.checked = !!base; else input.value = base === undefined || base === null ? '' : String(base);
    };
    inputs.push(reset);
    return el('div', { class: 'setting' + (d.type === 'bool' ? ' inline' : '') },
      d.type === 'bool' ? [input, el('label', { for: attrs.id }, d.label || d.key)] : [el('label', { for: attrs.id }, d.label || d.key), input],
      el('code', { class: 'muted small' }, d.key, ' (default ', JSON.stringify(base), ')'));
  }

  replaceChildren(root,
    el('p', { class: 'muted' }, 'Stored in this browser only. Defaults come from the master\u2019s ui_default_config where it sets them.'),
    [...groups].map(([group, list]) => el('fieldset', { class: 'card settings-group', 'data-testid': 'settings-group-' + group },
      el('legend', null, group), list.map(field))),
    el('div', { class: 'actions' },
      el('button', { type: 'button', 'data-testid': 'settings-reset', onclick: () => { for (const r of inputs) r(); flash(); } }, 'Reset all to defaults'),
      saved));
}

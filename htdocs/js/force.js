// The force dialog, built from a force scheduler's all_fields (nested groups recursively).
// Values are sent keyed by each field's fullName, as the master's force() reads them.
import { el, rpc, replaceChildren, config, isLoggedIn } from './lib.js';

// A logged-in user's identity as the username field expects it ("Name <email>").
function userIdentity() {
  if (!isLoggedIn()) return '';
  const u = config.user;
  const name = u.full_name || u.username || '';
  return u.email && u.email.includes('@') ? (name && name !== u.email ? name + ' <' + u.email + '>' : '<' + u.email + '>') : name;
}

function fieldId(field) {
  return 'force-' + String(field.fullName || field.name).replace(/[^A-Za-z0-9_-]/g, '_');
}

// Returns {node, read()} for one parameter; read() gives the JSON value to send.
function control(field) {
  const id = fieldId(field);
  const common = { id, name: field.fullName, 'data-testid': 'force-field-' + field.fullName };
  const dflt = field.type === 'username' && !field.default ? userIdentity() : field.default;
  switch (field.type) {
    case 'bool': {
      const input = el('input', Object.assign({ type: 'checkbox', checked: !!dflt }, common));
      return { node: input, read: () => input.checked, inline: true };
    }
    case 'int': {
      const input = el('input', Object.assign({ type: 'number', step: 1, value: dflt === null || dflt === undefined ? '' : String(dflt), required: field.required }, common));
      return { node: input, read: () => (input.value === '' ? '' : Number(input.value)) };
    }
    case 'textarea': {
      const input = el('textarea', Object.assign({ rows: field.rows || 4, cols: field.cols || 40, required: field.required }, common), dflt || '');
      return { node: input, read: () => input.value };
    }
    case 'list': {
      const choices = field.choices || [];
      const defaults = new Set([].concat(dflt === null || dflt === undefined ? [] : dflt).map(String));
      if (!field.strict && !field.multiple) {
        // Not strict: any text is allowed, the choices are suggestions.
        const listId = id + '-choices';
        const input = el('input', Object.assign({ type: 'text', list: listId, value: dflt === null || dflt === undefined ? '' : String(dflt) }, common));
        return { node: el('span', null, input, el('datalist', { id: listId }, choices.map((c) => el('option', { value: String(c) })))), read: () => input.value };
      }
      const select = el('select', Object.assign({ multiple: field.multiple, required: field.required }, common),
        choices.map((c) => el('option', { value: String(c), selected: defaults.has(String(c)) }, String(c))));
      return {
        node: select,
        read: () => (field.multiple ? [...select.selectedOptions].map((o) => o.value) : select.value),
      };
    }
    case 'fixed': {
      return { node: el('span', Object.assign({ class: 'fixed' }, common), dflt === null || dflt === undefined ? '' : String(dflt)), read: () => dflt };
    }
    case 'file': {
      let content = '';
      const input = el('input', Object.assign({ type: 'file', onchange: async () => {
        content = input.files[0] ? await input.files[0].text() : '';
      } }, common));
      return { node: input, read: () => content };
    }
    default: {  // text, username and unknown string-like types
      const input = el('input', Object.assign({
        type: 'text', size: field.size || 30, value: dflt === null || dflt === undefined ? '' : String(dflt),
        required: field.required, placeholder: field.type === 'username' && field.need_email ? 'Name <email@example.com>' : null,
      }, common));
      if (field.maxsize) input.maxLength = field.maxsize;
      return { node: input, read: () => input.value };
    }
  }
}

// Walks the tree; collects readers and error slots by fullName.
function buildFields(fields, readers, errorSlots) {
  const nodes = [];
  for (const field of fields || []) {
    if (field.type === 'nested') {
      const inner = buildFields(field.fields, readers, errorSlots);
      const columns = Math.max(1, Math.min(4, Number(field.columns) || 1));
      const group = el('fieldset', { class: 'force-group layout-' + (field.layout || 'vertical'), style: '--columns:' + columns },
        field.label ? el('legend', null, field.label) : null, inner);
      nodes.push(field.hide ? null : group);
      continue;
    }
    const c = control(field);
    readers.set(field.fullName, c.read);
    if (field.hide) continue;  // hidden parameters still send their default
    const error = el('div', { class: 'field-error', 'data-testid': 'force-field-error', dataset: { field: field.fullName } });
    errorSlots.set(field.fullName, error);
    errorSlots.set(field.name, error);
    const label = el('label', { for: fieldId(field) }, field.label || field.name, field.required ? el('span', { class: 'required' }, ' *') : null);
    nodes.push(el('div', { class: 'force-field' + (c.inline ? ' inline' : '') },
      c.inline ? [c.node, label] : [label, c.node], error));
  }
  return nodes;
}

// Opens the modal; resolves with the JSON-RPC result, or null when cancelled.
export function openForceDialog(scheduler, builder) {
  return new Promise((resolve) => {
    const readers = new Map();
    const errorSlots = new Map();
    const summary = el('div', { class: 'error', role: 'alert', 'data-testid': 'force-error', hidden: true });
    const submit = el('button', { type: 'submit', class: 'primary', 'data-testid': 'force-submit' }, scheduler.button_name || 'Start build');
    const cancel = el('button', { type: 'button', 'data-testid': 'force-cancel', onclick: () => dialog.close() }, 'Cancel');
    const form = el('form', { method: 'dialog', class: 'force-form', 'data-testid': 'force-form' },
      el('h2', null, scheduler.label || scheduler.name),
      builder ? el('p', { class: 'muted' }, 'Builder: ', builder.name) : null,
      buildFields(scheduler.all_fields, readers, errorSlots),
      summary,
      el('div', { class: 'actions' }, cancel, submit));
    const dialog = el('dialog', { class: 'force-dialog', 'data-testid': 'force-dialog', dataset: { scheduler: scheduler.name } }, form);
    let outcome = null;

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      for (const slot of errorSlots.values()) replaceChildren(slot);
      summary.hidden = true;
      const params = {};
      for (const [name, read] of readers) if (name) params[name] = read();
      if (builder) params.builderid = builder.builderid;
      submit.disabled = true;
      try {
        outcome = await rpc('forceschedulers/' + encodeURIComponent(scheduler.name), 'force', params);
        dialog.close();
      } catch (err) {
        // A 400 carries {fieldName: text}: show each text next to its field.
        const detail = err.detail && typeof err.detail === 'object' ? err.detail : null;
        if (detail) for (const [name, text] of Object.entries(detail)) {
          const slot = errorSlots.get(name);
          if (slot) replaceChildren(slot, String(text));
        }
        replaceChildren(summary, detail ? Object.entries(detail).map(([k, v]) => el('div', null, String(v))) : err.message);
        summary.hidden = false;
      } finally {
        submit.disabled = false;
      }
    });
    dialog.addEventListener('close', () => { dialog.remove(); resolve(outcome); });
    document.body.appendChild(dialog);
    dialog.showModal();
    const first = form.querySelector('input:not([type=hidden]), textarea, select');
    if (first) first.focus();
  });
}

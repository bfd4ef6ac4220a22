// Changes, newest first, with offset paging; new changes appear live on the first page.
import { changeItem, pager, offsetFrom } from '../widgets.js';

export const route = '/changes';
export const title = 'Changes';
export const nav = true;
export const settings = [
  { key: 'Changes.changesFetchLimit', type: 'integer', default: 50, label: 'Changes per page' },
];

export async function render(root, ctx) {
  const { el, api, replaceChildren } = ctx;
  const limit = Math.max(1, Number(ctx.setting('Changes.changesFetchLimit', 50)) || 50);
  const offset = offsetFrom(ctx);
  // /changes reverses its SQL order, so sort here rather than trust the reply's order.
  const reply = await api('changes', { order: '-changeid', limit: limit + 1, offset });
  const changes = reply.changes.sort((a, b) => b.changeid - a.changeid);
  const hasNext = changes.length > limit;
  const list = el('ul', { class: 'changes', 'data-testid': 'changes-list' }, changes.slice(0, limit).map(changeItem));
  const empty = el('p', { class: 'empty', hidden: changes.length > 0 }, 'No changes.');
  replaceChildren(root, empty, list, pager(ctx, offset, limit, hasNext));
  if (offset === 0) {
    ctx.subscribe('changes/*/new', (key, change) => {
      empty.hidden = true;
      list.insertBefore(changeItem(change), list.firstChild);
    });
  }
}

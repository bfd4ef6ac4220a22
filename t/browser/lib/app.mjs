// Helpers over the app's stable hooks (data-testid attributes, documented in
// htdocs/README.md).
import { assert } from './assert.mjs';

export const tid = (name) => `[data-testid="${name}"]`;

// open(SESSION, ROUTE[, READY]): loads the app at base#ROUTE, waits for the
// shell (sidebar) and for READY (a selector) when given; fails when the page
// shows an error box or "not found".
export async function open(s, route, ready) {
    const url = s.base + '#' + route;
    await s.page.goto(url, { waitUntil: 'load' });
    await settle(s, ready);
}

// settle(SESSION[, READY]): the shell is there, READY is visible, no error box.
export async function settle(s, ready) {
    const page = s.page;
    await page.locator(tid('sidebar')).waitFor({ state: 'visible' });
    if (ready) await page.locator(ready).first().waitFor({ state: 'visible' });
    await noErrorBox(s);
}

export async function noErrorBox(s) {
    const errors = await s.page.locator(`${tid('error')}, ${tid('not-found')}`).allInnerTexts();
    assert(errors.length === 0, `the page shows: ${errors.join(' | ')}`);
}

// The text of the main content area.
export async function contentText(s) {
    return s.page.locator('main').innerText();
}

export async function hasText(s, text, what) {
    const body = await contentText(s);
    assert(body.includes(text), `${what || 'the page'} does not show "${text}"`);
    return true;
}

export function shortRev(rev) {
    return rev.length > 12 ? rev.slice(0, 12) : rev;
}

// uiLogin(SESSION): the session (created with the user's httpCredentials)
// logs in through the top bar's Login link; resolves when the name shows.
export async function uiLogin(s) {
    const page = s.page;
    await open(s, '/');
    await Promise.all([
        page.waitForURL((u) => !u.pathname.endsWith('/auth/login'), { timeout: 15000 }),
        page.locator(tid('login')).click(),
    ]);
    await settle(s, tid('user-name'));
}

// The builds of a builder as REST has them, newest first.
export async function latestNumber(h, base, builderid) {
    const b = (await h.api(base, `builders/${builderid}/builds`, { order: '-number', limit: 1 })).builds;
    return b.length ? b[0].number : 0;
}

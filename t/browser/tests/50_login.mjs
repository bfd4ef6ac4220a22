// Login through the UI: the login link goes to auth/login (Basic auth against
// LDAP, answered by the browser's credentials), comes back to the page it
// left, and the top bar shows the user's name and LDAP avatar; logout makes
// the page anonymous again.
import { assert, eq } from '../lib/assert.mjs';
import { open, settle, tid } from '../lib/app.mjs';

export default async function (h) {
    for (const [tag, base] of [['root', h.urls.root], ['subpath', h.urls.sub]]) {
        if (!base) continue;
        const s = await h.session({ base, name: `${tag} login`, user: h.user, password: h.password });
        const page = s.page;
        await h.check(`${tag} login: anonymous at first, with a Login link to auth/login`, async () => {
            await open(s, '/builders', tid('builders-table'));
            const href = await page.locator(tid('login')).getAttribute('href');
            assert(/^auth\/login\?redirect=/.test(href), `login href ${href}`);
            eq(await page.locator(tid('user-name')).count(), 0, 'user names shown');
        });
        await h.check(`${tag} login: clicking Login signs ada in and comes back to the builders page`, async () => {
            await Promise.all([
                page.waitForURL((u) => u.hash === '#/builders' && !u.pathname.endsWith('/auth/login'), { timeout: 15000 }),
                page.locator(tid('login')).click(),
            ]);
            await settle(s, tid('user-name'));
            assert(new URL(page.url()).pathname === new URL(base).pathname, `landed on ${page.url()}`);
        });
        await h.check(`${tag} login: the top bar shows "Ada Admin"`, async () => {
            eq((await page.locator(tid('user-name')).innerText()).trim(), 'Ada Admin', 'user name');
            const user = await page.evaluate(() => window.buildbotFrontendConfig.user);
            eq([user.username, user.email], ['ada', 'ada@example.org'], 'config.user');
        });
        await h.check(`${tag} login: the avatar comes from LDAP and loads`, async () => {
            const img = page.locator(tid('avatar'));
            await img.waitFor();
            const src = await img.getAttribute('src');
            assert(/^avatar\?/.test(src), `avatar src ${src}`);
            await page.waitForFunction(() => {
                const i = document.querySelector('[data-testid="avatar"]');
                return i && i.complete && i.naturalWidth > 0;
            });
        });
        await h.check(`${tag} login: the session cookie is set for the site's path`, async () => {
            const cookies = await s.context.cookies();
            const c = cookies.find((x) => x.name === 'TWISTED_SESSION');
            assert(c, `cookies: ${cookies.map((x) => x.name)}`);
        });
        if (tag === 'root') await h.shot(page, 'login-user');
        await h.check(`${tag} login: the logged-in admin sees the force buttons of quick`, async () => {
            const quick = h.data.builders.quick;
            await open(s, `/builders/${quick.builderid}`, tid('force-button'));
        });
        await h.check(`${tag} logout: clicking Logout makes the page anonymous again`, async () => {
            await open(s, '/builders', tid('logout'));
            await Promise.all([
                page.waitForURL((u) => !u.pathname.endsWith('/auth/logout'), { timeout: 15000 }),
                page.locator(tid('logout')).click(),
            ]);
            await settle(s, tid('login'));
            eq(await page.locator(tid('user-name')).count(), 0, 'user names shown');
            const user = await page.evaluate(() => window.buildbotFrontendConfig.user);
            eq(user, { anonymous: true }, 'config.user');
        });
        if (tag === 'root') await h.shot(page, 'logout');
        h.noErrors(s, `${tag} login: no console errors`);
    }
}

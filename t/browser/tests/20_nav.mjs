// Navigation by clicking the side nav: every link opens its page (hash,
// title, highlighted link), with the three view plugins enabled by
// BuildbotPlugin listed.
import { assert, eq } from '../lib/assert.mjs';
import { open, settle, tid } from '../lib/app.mjs';

export const EXPECTED_NAV = ['home', 'waterfall', 'console', 'grid', 'builders', 'pending', 'changes', 'workers', 'about', 'settings'];

export default async function (h, opt = {}) {
    const base = opt.base || h.urls.root;
    const tag = opt.tag || 'root';
    const s = await h.session({ base, name: `${tag} nav` });
    const page = s.page;

    let links = [];
    await h.check(`${tag} nav: the side nav lists every page, the three views included`, async () => {
        await open(s, '/', tid('recent-builds'));
        links = await page.locator(`${tid('sidebar')} a.nav-link`).evaluateAll((as) => as.map((a) => ({
            testid: a.dataset.testid, href: a.getAttribute('href'), text: a.textContent.trim(),
        })));
        const names = links.map((l) => l.testid.replace(/^nav-/, ''));
        for (const want of EXPECTED_NAV) assert(names.includes(want), `nav-${want} missing from [${names}]`);
    });
    await page.evaluate(() => { window.__sameDocument = 1; });
    for (const link of links) {
        await h.check(`${tag} nav: clicking "${link.text}" opens ${link.href}`, async () => {
            await page.locator(`${tid('sidebar')} ${tid(link.testid)}`).click();
            await page.waitForFunction((href) => location.hash === href, link.href);
            await settle(s);
            await page.locator(`${tid(link.testid)}[aria-current="page"]`).waitFor();
            const title = (await page.locator(tid('page-title')).innerText()).trim();
            assert(title.length && title !== 'Not found', `page title "${title}"`);
            // The page has drawn (its render() replaced the empty page node).
            await page.waitForFunction(() => {
                const p = document.querySelector('main .page');
                return p && p.childElementCount > 0;
            });
            await settle(s);
        });
    }
    await h.check(`${tag} nav: every click stayed in the same document (hash routing)`, async () => {
        eq(await page.evaluate(() => window.__sameDocument), 1, 'window marker');
    });
    await h.check(`${tag} nav: the brand link leads home`, async () => {
        await page.locator(tid('brand')).click();
        await page.waitForFunction(() => location.hash === '#/home');
        await settle(s, tid('recent-builds'));
    });
    h.noErrors(s, `${tag} nav: no console errors`);
    return s;
}

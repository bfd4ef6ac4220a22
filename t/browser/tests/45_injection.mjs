// A ui_default_config value holding "</script><script>...": the page keeps it
// as data in the injected config (no script of its own runs) and /config returns
// it and the settings page shows it as text.
import { assert, eq } from '../lib/assert.mjs';
import { open, tid } from '../lib/app.mjs';

const EVIL = '</script><script>window.__pwned=1</script>';

export default async function (h) {
    const base = h.urls.pwned;
    if (!h.ok(base, 'injection: BBW_BROWSER_PWNED_URL names the site under test')) return;
    const s = await h.session({ base, name: 'injection' });
    const page = s.page;
    await h.check('injection: the app starts on the site whose ui_default_config holds </script>', async () => {
        await open(s, '/', tid('recent-builds'));
    });
    await h.check('injection: the injected <script> did not run (window.__pwned is undefined)', async () => {
        eq(await page.evaluate(() => typeof window.__pwned), 'undefined', 'typeof window.__pwned');
    });
    await h.check('injection: the page has exactly one <script id="bb-config"> and the app\'s module script', async () => {
        const scripts = await page.evaluate(() => [...document.scripts].map((x) => x.id || x.type || 'classic'));
        eq(scripts.filter((x) => x === 'bb-config').length, 1, 'bb-config scripts');
        assert(!scripts.some((x) => x === 'classic'), `other scripts: ${scripts}`);
    });
    await h.check('injection: window.buildbotFrontendConfig holds the value as a string', async () => {
        const v = await page.evaluate(() => (window.buildbotFrontendConfig.ui_default_config || {})['Evil.value']);
        eq(v, EVIL, 'ui_default_config["Evil.value"]');
    });
    await h.check('injection: the settings page shows the value as an input\'s text', async () => {
        await open(s, '/settings', tid('settings-group-Evil'));
        eq(await page.locator(tid('setting-Evil.value')).inputValue(), EVIL, 'input value');
        eq(await page.evaluate(() => typeof window.__pwned), 'undefined', 'typeof window.__pwned');
    });
    await h.shot(page, 'injection-settings');
    await h.check('injection: GET config (fetched by the page) returns the value as data', async () => {
        const cfg = await page.evaluate(() => fetch('config').then((r) => r.json()));
        eq(cfg.ui_default_config['Evil.value'], EVIL, '/config ui_default_config["Evil.value"]');
    });
    await h.check('injection: the about page shows the value as text', async () => {
        await open(s, '/about', tid('config-summary'));
        const text = await page.locator(tid('config-summary')).innerText();
        assert(text.includes(EVIL), `summary: ${text}`);
        eq(await page.evaluate(() => typeof window.__pwned), 'undefined', 'typeof window.__pwned');
    });
    await h.shot(page, 'injection-about');
    await h.check('injection: the raw page source escapes "</" inside the config script', async () => {
        const r = await h.http('GET', base);
        assert(r.text.includes('<\\/script><script>window.__pwned=1<\\/script>'), 'no escaped form in index.html');
        assert(!r.text.includes(EVIL), 'the raw value appears unescaped in index.html');
    });
    h.noErrors(s, 'injection: no console errors');
}

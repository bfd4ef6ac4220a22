// The same site mounted below /ci/ (BuildbotURL ends in /ci/): every page and
// the nav work the same, and no request leaves the mount (all app URLs are
// relative).
import pages from './10_pages.mjs';
import nav from './20_nav.mjs';
import { assert } from '../lib/assert.mjs';

export default async function (h) {
    const base = h.urls.sub;
    if (!h.ok(base && /\/ci\/$/.test(base), 'subpath: BBW_BROWSER_SUB_URL names a site below /ci/', `got "${base}"`)) return;
    await h.check('subpath: index.html is served at /ci/ with the config of the sub-path site', async () => {
        const r = await h.http('GET', base);
        assert(r.status === 200, `GET ${base}: ${r.status}`);
        assert(r.text.includes('window.buildbotFrontendConfig'), 'no frontend config in the page');
        const cfg = (await h.http('GET', base + 'config')).json;
        assert(cfg && new URL(cfg.buildbotURL).pathname === '/ci/', `config.buildbotURL ${cfg && cfg.buildbotURL}`);
    });
    const origin = new URL(base).origin;
    for (const [what, run] of [['pages', pages], ['nav', nav]]) {
        const s = await run(h, { base, tag: 'subpath' });
        await h.check(`subpath ${what}: every request of the app stayed below /ci/`, async () => {
            const outside = [...new Set(s.requests.filter((u) => u.startsWith(origin) && !u.startsWith(base)))];
            assert(s.requests.length > 0, 'no request recorded');
            assert(!outside.length, `requests outside /ci/: ${outside.slice(0, 10).join(' ')}`);
        });
    }
}

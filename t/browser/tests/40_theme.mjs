// BuildbotTheme: the overridden variable reaches the page's <style> block and
// styles the side nav; the other eleven keep their defaults.
import { assert, eq } from '../lib/assert.mjs';
import { open, tid } from '../lib/app.mjs';

export default async function (h) {
    for (const [tag, base] of [['root', h.urls.root], ['subpath', h.urls.sub]]) {
        if (!base) continue;
        const s = await h.session({ base, name: `${tag} theme` });
        await h.check(`${tag} theme: --bb-sidebar-background-color is #123456 (BuildbotTheme)`, async () => {
            await open(s, '/', tid('sidebar'));
            const v = await s.page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--bb-sidebar-background-color').trim());
            eq(v, '#123456', 'custom property');
        });
        await h.check(`${tag} theme: the sidebar's computed background is rgb(18, 52, 86)`, async () => {
            const bg = await s.page.locator(tid('sidebar')).evaluate((n) => getComputedStyle(n).backgroundColor);
            eq(bg, 'rgb(18, 52, 86)', 'background-color');
        });
        await h.check(`${tag} theme: an untouched variable keeps its default (--bb-sidebar-stripe-hover-color #e99d1a)`, async () => {
            const v = await s.page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--bb-sidebar-stripe-hover-color').trim());
            eq(v.toLowerCase(), '#e99d1a', 'custom property');
        });
        await h.check(`${tag} theme: the config echoes the theme`, async () => {
            const theme = await s.page.evaluate(() => window.buildbotFrontendConfig.theme);
            assert(theme && theme['bb-sidebar-background-color'] === '#123456', `theme ${JSON.stringify(theme)}`);
        });
        if (tag === 'root') await h.shot(s.page, 'theme-sidebar');
        h.noErrors(s, `${tag} theme: no console errors`);
    }
}

// The view plugins (BuildbotPlugin waterfall_view, console_view, grid_view):
// each page renders from its views/*.json request and shows the two builds
// 60_force made for the stored change (quick: success, slow: cancelled),
// each a link to its build page colored by its result.
import { assert, eq } from '../lib/assert.mjs';
import { open, tid } from '../lib/app.mjs';

const VIEWS = ['waterfall', 'console', 'grid'];

export default async function (h) {
    const builds = [h.data.forcedBuild, h.data.stoppedBuild];
    const label = builds.every(Boolean) ? `quick #${builds[0].number}, slow #${builds[1].number}` : 'the forced builds';
    for (const [tag, base] of [['root', h.urls.root], ['subpath', h.urls.sub]]) {
        if (!base) continue;
        const s = await h.session({ base, name: `${tag} views` });
        const page = s.page;
        for (const name of VIEWS) {
            await h.check(`${tag} ${name}: renders ${label}`, async () => {
                assert(builds.every(Boolean), 'the builds of 60_force are missing');
                await open(s, `/${name}`, `${tid(name)}[data-rendered]`);
                for (const b of builds) {
                    await page.locator(`${tid(`${name}-build`)}[data-buildid="${b.buildid}"]`).first().waitFor({ state: 'attached' });
                }
            });
            await h.check(`${tag} ${name}: the build links lead to the build pages and carry the result classes`, async () => {
                const info = async (b) => page.locator(`${tid(`${name}-build`)}[data-buildid="${b.buildid}"]`).first()
                    .evaluate((a) => [a.getAttribute('href'), [...a.classList].find((k) => k.startsWith('result-')) || '']);
                eq(await info(builds[0]), [`#/builders/${builds[0].builderid}/builds/${builds[0].number}`, 'result-success'], 'quick');
                eq(await info(builds[1]), [`#/builders/${builds[1].builderid}/builds/${builds[1].number}`, 'result-cancelled'], 'slow');
            });
            await h.check(`${tag} ${name}: the builders quick and slow head their columns or rows`, async () => {
                const names = (await page.locator(tid(`${name}-builder`)).allInnerTexts()).map((x) => x.trim());
                assert(names.includes('quick') && names.includes('slow'), `builders: ${names}`);
            });
            if (name === 'console') {
                await h.check(`${tag} console: the stored change is a row`, async () => {
                    await page.locator(`${tid('console-change')}[data-changeid="${h.data.change.changeid}"]`).waitFor({ state: 'attached' });
                });
            }
            if (tag === 'root') await h.shot(page, name);
            h.noErrors(s, `${tag} ${name}: no console errors`);
        }
        await h.check(`${tag} views: clicking a build in the grid opens its build page`, async () => {
            const b = builds[0];
            await page.locator(`${tid('grid-build')}[data-buildid="${b.buildid}"]`).first().click();
            await page.waitForFunction((n) => location.hash.endsWith(`/builds/${n}`), b.number);
            await page.locator(tid('build-result')).filter({ hasText: 'success' }).waitFor();
        });
        h.noErrors(s, `${tag} views: no console errors`);
    }
}

// Every page, anonymous, at the web root: each shows what the live master's
// database holds (read back through REST), with no console error, and leaves
// a screenshot.
import { assert, eq } from '../lib/assert.mjs';
import { open, tid, hasText, contentText, shortRev } from '../lib/app.mjs';

export default async function (h, opt = {}) {
    const base = opt.base || h.urls.root;
    const tag = opt.tag || 'root';
    // Screenshots of the root site only (the sub-path site looks the same).
    const shot = (name) => (tag === 'root' ? name : null);
    const s = await h.session({ base, name: tag });
    const page = s.page;
    const d = h.data || {};
    const quick = d.builders && d.builders.quick;
    const build = d.quickBuild;

    // ---- home ----
    await h.check(`${tag} home: recent builds and the builders summary`, async () => {
        await open(s, '/', tid('recent-builds'));
        const active = (await h.api(base, 'builders')).builders.filter((b) => b.masterids.length).map((b) => b.name).sort();
        const names = (await page.locator(`${tid('builders-summary')} ${tid('summary-builder')}`).allInnerTexts()).map((x) => x.trim()).sort();
        eq(names, active, 'builders in the summary');
        const recent = (await h.api(base, 'builds', { order: '-buildid', limit: 1 })).builds[0];
        await page.locator(`${tid('build-row')}[data-buildid="${recent.buildid}"]`).first().waitFor();
    });
    await h.shot(page, shot('home'));
    h.noErrors(s, `${tag} home: no console errors`);

    // ---- builders, with the tag filter ----
    await h.check(`${tag} builders: one row per builder, in name order`, async () => {
        await open(s, '/builders', tid('builders-table'));
        const active = (await h.api(base, 'builders')).builders.filter((b) => b.masterids.length).map((b) => b.name).sort();
        const rows = await page.locator(tid('builder-row')).evaluateAll((trs) => trs.map((tr) => tr.dataset.name));
        eq(rows, active, 'rows');
    });
    await h.check(`${tag} builders: the latest builds, Builders.buildFetchLimit (7) from the server's ui_default_config`, async () => {
        const latest = (await h.api(base, 'builds', { order: '-buildid', limit: 7 })).builds;
        const shown = await page.locator(`${tid('builder-builds')} a`).evaluateAll((as) => as.map((a) => Number(a.dataset.buildid)).sort((x, y) => x - y));
        eq(shown, latest.map((b) => b.buildid).sort((x, y) => x - y), 'build ids shown');
    });
    await h.shot(page, shot('builders'));
    await h.check(`${tag} builders: clicking tag "internal" keeps only secret`, async () => {
        await page.locator(`${tid('tag-bar')} ${tid('tag-filter')}[data-tag="internal"]`).click();
        await page.waitForFunction(() => location.hash === '#/builders?tags=internal');
        await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="builder-row"]')].map((r) => r.dataset.name).join() === 'secret');
    });
    await h.shot(page, shot('builders-tag-internal'));
    await h.check(`${tag} builders: tag "public" shows quick and slow, "all" clears the filter`, async () => {
        await open(s, '/builders', tid('builders-table'));
        await page.locator(`${tid('tag-bar')} ${tid('tag-filter')}[data-tag="public"]`).click();
        await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="builder-row"]')].map((r) => r.dataset.name).join() === 'quick,slow');
        await page.locator(tid('tag-clear')).click();
        await page.waitForFunction(() => document.querySelectorAll('[data-testid="builder-row"]').length === 3);
    });
    h.noErrors(s, `${tag} builders: no console errors`);

    // ---- one builder ----
    await h.check(`${tag} builder quick: its builds, newest first, no force button for anonymous`, async () => {
        assert(quick && build, 'no seed data');
        await open(s, `/builders/${quick.builderid}`, tid('builds-table'));
        eq((await page.locator(tid('builder-name')).innerText()).trim(), 'quick', 'builder name');
        const want = (await h.api(base, `builders/${quick.builderid}/builds`, { order: '-number', limit: 50 })).builds.map((b) => b.number);
        const numbers = await page.locator(tid('build-row')).evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.number)));
        eq(numbers, want, 'build numbers');
        eq(await page.locator(tid('force-button')).count(), 0, 'force buttons');
    });
    await h.shot(page, shot('builder'));
    h.noErrors(s, `${tag} builder: no console errors`);

    // ---- one build: steps and a log ----
    await h.check(`${tag} build: header, result and steps of quick #${build && build.number}`, async () => {
        assert(quick && build, 'no seed data');
        await open(s, `/builders/${quick.builderid}/builds/${build.number}`, tid('step-row'));
        const steps = (await h.api(base, `builds/${build.buildid}/steps`)).steps;
        const names = await page.locator(tid('step-name')).allInnerTexts();
        eq(names.map((n) => n.trim()), steps.map((st) => st.name), 'step names');
        await hasText(s, 'success', 'the build page');
    });
    await h.check(`${tag} build: opening step "hello" shows its stdio log`, async () => {
        const step = page.locator(tid('step-row')).filter({ has: page.locator(tid('step-name'), { hasText: /^hello$/ }) }).first();
        await step.locator(tid('step-head')).click();
        await step.locator(`${tid('log-link')}[data-slug="stdio"]`).waitFor();
        await step.locator(tid('step-body')).filter({ hasText: 'hello from quick' }).waitFor();
    });
    await h.check(`${tag} build: the properties tab lists the build's properties`, async () => {
        const props = (await h.api(base, `builds/${build.buildid}`, { property: '*' })).builds[0].properties;
        await page.locator(tid('tab-properties')).click();
        const names = await page.locator(tid('property-row')).evaluateAll((trs) => trs.map((tr) => tr.dataset.name));
        eq(names, Object.keys(props).sort(), 'property names');
        await page.locator(tid('tab-steps')).click();
    });
    await h.shot(page, shot('build'));
    h.noErrors(s, `${tag} build: no console errors`);

    // ---- workers ----
    await h.check(`${tag} workers: live-worker, connected`, async () => {
        await open(s, '/workers', tid('worker-row'));
        const want = (await h.api(base, 'workers')).workers.map((w) => w.name).sort();
        const rows = await page.locator(tid('worker-row')).evaluateAll((trs) => trs.map((tr) => tr.dataset.name).sort());
        eq(rows, want, 'workers');
        const state = await page.locator(`${tid('worker-row')}[data-name="live-worker"] ${tid('worker-state')}`).innerText();
        assert(/connected|online|idle|running/i.test(state) && !/disconnected|offline/i.test(state), `state "${state}"`);
    });
    await h.shot(page, shot('workers'));
    h.noErrors(s, `${tag} workers: no console errors`);

    // ---- changes ----
    await h.check(`${tag} changes: the changes of the database, newest first`, async () => {
        await open(s, '/changes', tid('change-row'));
        // /changes reverses its SQL order (as Buildbot's does): sort here.
        const want = (await h.api(base, 'changes')).changes.sort((a, b) => b.changeid - a.changeid).slice(0, 50);
        assert(want.length, 'the database has no change');
        const ids = await page.locator(tid('change-row')).evaluateAll((lis) => lis.map((li) => Number(li.dataset.changeid)));
        eq(ids, want.map((c) => c.changeid), 'change ids');
        const comments = (await page.locator(tid('change-comments')).allInnerTexts()).map((x) => x.trim());
        eq(comments, want.map((c) => c.comments.trim()), 'comments');
        const revs = (await page.locator(tid('change-revision')).allInnerTexts()).map((x) => x.trim());
        eq(revs, want.map((c) => shortRev(c.revision || '')), 'revisions');
        const authors = (await page.locator(tid('change-author')).allInnerTexts()).map((x) => x.trim());
        eq(authors, want.map((c) => c.author), 'authors');
    });
    await h.shot(page, shot('changes'));
    h.noErrors(s, `${tag} changes: no console errors`);

    // ---- pending build requests ----
    await h.check(`${tag} pending: the incomplete build requests`, async () => {
        await open(s, '/pending', tid('pending-table'));
        const want = (await h.api(base, 'buildrequests', { complete: 'false' })).buildrequests.map((r) => r.buildrequestid).sort();
        const shown = await page.locator(tid('buildrequest-row')).evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.buildrequestid)).sort());
        eq(shown, want, 'pending requests');
    });
    await h.shot(page, shot('pending'));
    h.noErrors(s, `${tag} pending: no console errors`);

    // ---- about ----
    await h.check(`${tag} about: the title, the buildbotURL and every version of the frontend config`, async () => {
        await open(s, '/about', tid('versions'));
        const config = await page.evaluate(() => window.buildbotFrontendConfig);
        const text = await contentText(s);
        assert(text.includes(config.title), `no title "${config.title}"`);
        assert(text.includes(config.buildbotURL), `no buildbotURL ${config.buildbotURL}`);
        for (const [name, version] of config.versions) {
            assert(text.includes(name) && text.includes(version), `no version ${name} ${version}`);
        }
    });
    await h.shot(page, shot('about'));
    h.noErrors(s, `${tag} about: no console errors`);

    // ---- settings ----
    await h.check(`${tag} settings: Builders.buildFetchLimit shows the server's default 7`, async () => {
        await open(s, '/settings', tid('settings-group-Builders'));
        eq(await page.locator(tid('setting-Builders.buildFetchLimit')).inputValue(), '7', 'value');
    });
    await h.shot(page, shot('settings'));
    h.noErrors(s, `${tag} settings: no console errors`);
    return s;
}

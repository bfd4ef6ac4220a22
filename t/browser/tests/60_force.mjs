// Control through the UI, logged in as ada (an LDAP admin): the force
// dialog's build appears on the builder page and reaches its result with no
// reload (websocket events); the build page's stop button stops a running
// "slow" build, again live.
import { assert, eq } from '../lib/assert.mjs';
import { open, settle, tid, uiLogin, latestNumber } from '../lib/app.mjs';

export default async function (h) {
    const base = h.urls.root;
    const { quick, slow } = h.data.builders;
    const s = await h.session({ base, name: 'force', user: h.user, password: h.password });
    const page = s.page;
    const change = h.data.change || {};
    const sourceFields = {
        branch: change.branch || 'main', revision: change.revision || '',
        repository: change.repository || '', project: change.project || '',
    };

    await h.check('force: ada logs in through the UI', () => uiLogin(s));

    // ---- quick, through the force dialog ----
    let before = 0;
    await h.check('force: the builder page of quick offers the force scheduler "force"', async () => {
        before = await latestNumber(h, base, quick.builderid);
        await open(s, `/builders/${quick.builderid}`, `${tid('force-button')}[data-scheduler="force"]`);
        await page.evaluate(() => { window.__noReload = 1; });
    });
    await h.check('force: the dialog opens with the scheduler\'s fields', async () => {
        await page.locator(`${tid('force-button')}[data-scheduler="force"]`).click();
        const dialog = page.locator(tid('force-dialog'));
        await dialog.waitFor();
        for (const f of ['reason', 'username', ...Object.keys(sourceFields)]) await dialog.locator(tid(`force-field-${f}`)).waitFor();
        const who = await dialog.locator(tid('force-field-username')).inputValue();
        assert(who.includes('ada@example.org'), `username field "${who}"`);
        await dialog.locator(tid('force-field-reason')).fill('forced from the browser');
        // The source stamp of the stored change: the build is made for it,
        // so the console view has a row to show it in.
        for (const [f, v] of Object.entries(sourceFields)) await dialog.locator(tid(`force-field-${f}`)).fill(v);
    });
    await h.shot(page, 'force-dialog');
    await h.check('force: submitting closes the dialog and reports the build request', async () => {
        await page.locator(tid('force-submit')).click();
        await page.locator(tid('force-dialog')).waitFor({ state: 'detached' });
        await page.locator(tid('force-result')).filter({ hasText: /build request/i }).waitFor();
    });
    let number;
    await h.check('force: the new build appears on the builder page without a reload', async () => {
        const row = page.locator(tid('build-row')).first();
        await h.until(async () => Number(await row.getAttribute('data-number')) > before, { what: 'a new build row' });
        number = Number(await row.getAttribute('data-number'));
        eq(await page.evaluate(() => window.__noReload), 1, 'same document');
    });
    await h.check('force: the new build reaches "success" on the page without a reload', async () => {
        const result = page.locator(`${tid('build-row')}[data-number="${number}"] ${tid('build-row-result')}`);
        await result.filter({ hasText: 'success' }).waitFor({ timeout: 60000 });
        eq(await page.evaluate(() => window.__noReload), 1, 'same document');
    });
    await h.check('force: REST has the build, finished with success, reason and owner from the dialog', async () => {
        const b = (await h.api(base, `builders/${quick.builderid}/builds/${number}`, { property: '*' })).builds[0];
        eq([b.complete, b.results], [true, 0], 'complete, results');
        assert(String(b.properties.reason[0]).includes('forced from the browser'), `reason ${JSON.stringify(b.properties.reason)}`);
        assert(String(b.properties.owner[0]).includes('ada@example.org'), `owner ${JSON.stringify(b.properties.owner)}`);
        h.data.forcedBuild = b;
    });
    await h.check('force: the build was made for the stored change\'s source stamp (the dialog\'s branch, revision, repository, project)', async () => {
        assert(change.changeid, 'no stored change');
        const br = (await h.api(base, `buildrequests/${h.data.forcedBuild.buildrequestid}`)).buildrequests[0];
        const bs = (await h.api(base, `buildsets/${br.buildsetid}`)).buildsets[0];
        eq(bs.sourcestamps.map((ss) => ss.ssid), [change.sourcestamp.ssid], 'source stamps of the buildset');
    });
    await h.shot(page, 'builder-forced');
    h.noErrors(s, 'force: no console errors');

    // ---- slow: force, open the running build, stop it ----
    let slowNumber;
    await h.check('stop: a forced "slow" build shows as running on its build page', async () => {
        const prev = await latestNumber(h, base, slow.builderid);
        await open(s, `/builders/${slow.builderid}`, `${tid('force-button')}[data-scheduler="force"]`);
        await page.locator(`${tid('force-button')}[data-scheduler="force"]`).click();
        await page.locator(tid('force-dialog')).waitFor();
        await page.locator(tid('force-field-reason')).fill('to be stopped');
        for (const [f, v] of Object.entries(sourceFields)) await page.locator(tid(`force-field-${f}`)).fill(v);
        await page.locator(tid('force-submit')).click();
        await page.locator(tid('force-dialog')).waitFor({ state: 'detached' });
        const row = page.locator(tid('build-row')).first();
        await h.until(async () => Number(await row.getAttribute('data-number')) > prev, { what: 'the slow build row' });
        slowNumber = Number(await row.getAttribute('data-number'));
        await row.locator('a.chip').click();
        await page.waitForFunction((n) => location.hash.endsWith(`/builds/${n}`), slowNumber);
        await settle(s, tid('build-header'));
        await page.locator(tid('step-row')).filter({ hasText: 'wait' }).locator(tid('step-result')).filter({ hasText: 'running' }).waitFor({ timeout: 30000 });
        await page.evaluate(() => { window.__noReload = 1; });
    });
    await h.shot(page, 'build-running');
    await h.check('stop: the stop button stops the build; the page shows "cancelled" without a reload', async () => {
        await page.locator(tid('stop-button')).click();
        await page.locator(tid('action-result')).filter({ hasText: /stop/i }).waitFor();
        await page.locator(tid('build-result')).filter({ hasText: 'cancelled' }).waitFor({ timeout: 30000 });
        eq(await page.evaluate(() => window.__noReload), 1, 'same document');
    });
    await h.check('stop: REST has the build finished as cancelled (6)', async () => {
        const b = await h.until(async () => {
            const x = (await h.api(base, `builders/${slow.builderid}/builds/${slowNumber}`)).builds[0];
            return x.complete ? x : null;
        }, { what: 'the slow build to finish' });
        eq(b.results, 6, 'results');
        h.data.stoppedBuild = b;
    });
    await h.check('stop: the finished build offers Rebuild instead of Stop', async () => {
        await page.locator(tid('rebuild-button')).waitFor();
        eq(await page.locator(tid('stop-button')).count(), 0, 'stop buttons');
    });
    await h.shot(page, 'build-stopped');
    h.noErrors(s, 'stop: no console errors');
}

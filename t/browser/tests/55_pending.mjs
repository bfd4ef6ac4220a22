// Pending build requests: with the worker paused a forced request waits; the
// pending page lists it (builder, reason) and drops it, live, once the worker
// is unpaused and the build starts.
import { assert, eq } from '../lib/assert.mjs';
import { open, tid } from '../lib/app.mjs';

export default async function (h) {
    const base = h.urls.root;
    const token = h.data.adaToken;
    const worker = h.data.worker;
    const quick = h.data.builders.quick;
    const s = await h.session({ base, name: 'pending' });
    const page = s.page;
    let brid;
    try {
        await h.check('pending: ada pauses live-worker and forces quick (JSON-RPC)', async () => {
            await h.rpc(base, `workers/${worker.workerid}`, 'pause', { reason: 'browser test: pending' }, token);
            await h.until(async () => (await h.api(base, `workers/${worker.workerid}`)).workers[0].paused, { what: 'the worker to pause' });
            const [, brids] = await h.rpc(base, 'forceschedulers/force', 'force',
                { builderNames: ['quick'], reason: 'waiting for a worker' }, token);
            brid = Object.values(brids)[0];
            assert(brid, 'no build request id');
        });
        await h.check('pending: the page lists the waiting request of quick with its reason', async () => {
            await open(s, '/pending', `${tid('buildrequest-row')}[data-buildrequestid="${brid}"]`);
            const row = page.locator(`${tid('buildrequest-row')}[data-buildrequestid="${brid}"]`);
            const text = await row.innerText();
            assert(text.includes('quick') && text.includes('waiting for a worker') && /waiting/.test(text), `row: ${text}`);
            const want = (await h.api(base, 'buildrequests', { complete: 'false' })).buildrequests.map((r) => r.buildrequestid).sort();
            const shown = await page.locator(tid('buildrequest-row')).evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.buildrequestid)).sort());
            eq(shown, want, 'pending requests');
        });
        await h.shot(page, 'pending-request');
        await page.evaluate(() => { window.__noReload = 1; });
    } finally {
        await h.check('pending: ada unpauses live-worker', async () => {
            await h.rpc(base, `workers/${worker.workerid}`, 'unpause', {}, token);
        });
    }
    await h.check('pending: the request leaves the page once its build is done (no reload)', async () => {
        assert(brid, 'no request');
        await page.locator(`${tid('buildrequest-row')}[data-buildrequestid="${brid}"]`).waitFor({ state: 'detached', timeout: 60000 });
        eq(await page.evaluate(() => window.__noReload), 1, 'same document');
    });
    await h.check('pending: the build of the request finishes', async () => {
        await h.until(async () => {
            const b = (await h.api(base, 'builds', { buildrequestid: brid })).builds;
            return b.length && b[0].complete;
        }, { timeout: 60000, what: 'the build to finish' });
    });
    h.noErrors(s, 'pending: no console errors');
}

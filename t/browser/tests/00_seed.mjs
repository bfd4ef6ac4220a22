// What the page tests read back: the live builders and one finished build
// of "quick" (forced here through REST when the database has none), all
// remembered in h.data for the later modules.
import { assert } from '../lib/assert.mjs';

// The revision of the change t/live/50_browser.t stores (branch main,
// repository https://example.org/repo.git, project mod_bbwww, codebase '').
export const CHANGE_REVISION = 'b10e5e1f0c0ffee0000000000000000000000050';

export default async function (h) {
    const base = h.urls.root;

    await h.check('seed: the site answers GET api/v2/builders', async () => {
        const d = await h.api(base, 'builders');
        h.data.builders = Object.fromEntries(d.builders.map((b) => [b.name, b]));
        for (const name of ['quick', 'slow', 'secret']) {
            assert(h.data.builders[name], `builder ${name} is missing: ${Object.keys(h.data.builders)}`);
        }
    });
    await h.check('seed: ada logs in at auth/login (Basic auth against LDAP)', async () => {
        h.data.adaToken = await h.login(base);
    });
    await h.check('seed: the live worker is connected', async () => {
        const d = await h.until(async () => {
            const w = await h.api(base, 'workers', { name: 'live-worker' });
            return w.workers.length && w.workers[0].connected_to.length ? w : null;
        }, { what: 'live-worker to connect' });
        h.data.worker = d.workers[0];
    });
    await h.check('seed: a finished build of quick exists (forced if needed)', async () => {
        const quick = h.data.builders.quick;
        const done = await h.api(base, `builders/${quick.builderid}/builds`,
            { complete: 'true', results: 0, order: '-number', limit: 1 });
        if (done.builds.length) {
            h.data.quickBuild = done.builds[0];
            return;
        }
        const [, brids] = await h.rpc(base, 'forceschedulers/force', 'force',
            { builderNames: ['quick'], reason: 'browser test seed' }, h.data.adaToken);
        const brid = Object.values(brids)[0];
        h.data.quickBuild = await h.until(async () => {
            const b = await h.api(base, 'builds', { buildrequestid: brid });
            return b.builds.length && b.builds[0].complete ? b.builds[0] : null;
        }, { timeout: 60000, what: `the build of request ${brid} to finish` });
    });
    await h.check('seed: the change stored by 50_browser.t is in REST (changes)', async () => {
        const changes = (await h.api(base, 'changes', { order: '-changeid', limit: 50 })).changes;
        h.data.change = changes.find((c) => c.revision === CHANGE_REVISION);
        assert(h.data.change, `no change with revision ${CHANGE_REVISION}`);
    });
    await h.check('seed: the build has a step "hello" with a stdio log', async () => {
        const b = h.data.quickBuild;
        const steps = await h.api(base, `builds/${b.buildid}/steps`);
        const step = steps.steps.find((s) => s.name === 'hello');
        assert(step, `steps: ${steps.steps.map((s) => s.name)}`);
        const logs = await h.api(base, `steps/${step.stepid}/logs`);
        assert(logs.logs.find((l) => l.slug === 'stdio'), 'no stdio log');
        h.data.quickSteps = steps.steps;
    });
}

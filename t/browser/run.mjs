// Browser tests of the mod_bbwww UI: headless Debian chromium driven by
// playwright-core. Runs every module of t/browser/tests/ (file name order)
// and prints TAP on stdout: one "ok N - name" / "not ok N - name" line per
// assertion, "# " diagnostics, then the plan "1..N". Exit status 0 only when
// every assertion passed. t/live/50_browser.t runs it against the sites of
// t/conf/browser.last.conf.in; by hand:
//
//   BBW_BROWSER_URL=http://127.0.0.1:8530/ node t/browser/run.mjs [MODULE-SUBSTRING...]
//
// Environment:
//   BBW_BROWSER_URL        the UI at the web root (required)
//   BBW_BROWSER_SUB_URL    the same site mounted at a sub-path (ends in /ci/)
//   BBW_BROWSER_PWNED_URL  the site whose ui_default_config holds a </script>
//   BBW_BROWSER_USER / BBW_BROWSER_PASSWORD   an admin login (ada / ada-pass)
//   BBW_BROWSER_SHOTS      screenshot directory (t/browser/screenshots)
//   BBW_CHROMIUM           the browser (/usr/bin/chromium)
//   BBW_BROWSER_TIMEOUT    seconds one module may take (120)
//   BBW_BROWSER_BUDGET     seconds the whole run may take (170): the
//                          Apache::Test suite runs under build/test.sh's
//                          timeout, so modules past the budget fail at once
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Harness } from './lib/harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

function out(line) { process.stdout.write(line + '\n'); }

async function main() {
    const only = process.argv.slice(2);
    const h = new Harness({
        out,
        urls: {
            root: process.env.BBW_BROWSER_URL || '',
            sub: process.env.BBW_BROWSER_SUB_URL || '',
            pwned: process.env.BBW_BROWSER_PWNED_URL || '',
        },
        user: process.env.BBW_BROWSER_USER || 'ada',
        password: process.env.BBW_BROWSER_PASSWORD || 'ada-pass',
        shots: process.env.BBW_BROWSER_SHOTS || path.join(here, 'screenshots'),
        chromium: process.env.BBW_CHROMIUM || '/usr/bin/chromium',
    });
    const moduleTimeout = 1000 * Number(process.env.BBW_BROWSER_TIMEOUT || 120);
    const budget = 1000 * Number(process.env.BBW_BROWSER_BUDGET || 170);
    const deadline = Date.now() + budget;

    if (!h.urls.root) {
        h.ok(false, 'BBW_BROWSER_URL names the site under test');
        return h.finish();
    }
    for (const k of Object.keys(h.urls)) {
        if (h.urls[k] && !h.urls[k].endsWith('/')) h.urls[k] += '/';
    }

    let chromium;
    try {
        ({ chromium } = await import('playwright-core'));
    } catch (e) {
        h.ok(false, 'playwright-core is installed (build/browser-deps.sh)', String(e));
        return h.finish();
    }
    if (!fs.existsSync(h.chromium)) {
        h.ok(false, `chromium is installed at ${h.chromium} (build/deps.sh)`);
        return h.finish();
    }
    try {
        h.browser = await chromium.launch({
            executablePath: h.chromium,
            headless: true,
            // No user namespaces for the sandbox as an unprivileged system
            // user in a container; /dev/shm may be small.
            args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu',
                   '--no-first-run', '--no-default-browser-check'],
        });
    } catch (e) {
        h.ok(false, `chromium (${h.chromium}) starts headless`, String(e && e.message || e));
        return h.finish();
    }
    h.ok(true, `chromium ${h.browser.version()} starts headless`);
    fs.mkdirSync(h.shots, { recursive: true });
    // A full run leaves only its own screenshots.
    if (!only.length) {
        for (const f of fs.readdirSync(h.shots)) if (f.endsWith('.png')) fs.rmSync(path.join(h.shots, f));
    }

    const dir = path.join(here, 'tests');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.mjs')).sort()
        .filter((f) => !only.length || only.some((o) => f.includes(o)));
    for (const file of files) {
        const name = file.replace(/\.mjs$/, '');
        out(`# ---- ${name}`);
        const timeout = Math.min(moduleTimeout, deadline - Date.now());
        if (timeout <= 0) {
            h.ok(false, `${name}: not run, the run's time budget (${budget / 1000}s) is spent`);
            continue;
        }
        let mod;
        try {
            mod = await import(pathToFileURL(path.join(dir, file)).href);
        } catch (e) {
            h.ok(false, `${name}: the module loads`, e && e.stack || String(e));
            continue;
        }
        let timer;
        const started = Date.now();
        // The module's view of the harness: once it is abandoned (timed out)
        // whatever it still asserts in the background is dropped.
        const hm = Object.create(h);
        hm.dead = false;
        try {
            await Promise.race([
                mod.default(hm),
                new Promise((_, reject) => {
                    timer = setTimeout(() => reject(new Error(`timed out after ${(timeout / 1000).toFixed(0)}s`)), timeout);
                }),
            ]);
        } catch (e) {
            h.ok(false, `${name}: ran to its end`, e && e.stack || String(e));
        } finally {
            hm.dead = true;
            clearTimeout(timer);
            await h.closeAll();
        }
        out(`# ${name}: ${((Date.now() - started) / 1000).toFixed(1)}s`);
    }
    await h.browser.close().catch(() => {});
    return h.finish();
}

main().then((code) => process.exit(code), (e) => {
    out(`not ok - the runner itself failed`);
    out('# ' + String(e && e.stack || e).split('\n').join('\n# '));
    process.exit(1);
});

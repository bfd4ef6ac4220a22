// The test harness of t/browser/run.mjs: TAP assertions, browser sessions
// that collect console errors, screenshots, and HTTP helpers (REST, JSON-RPC,
// login) that talk to the same sites from node.
import path from 'node:path';

export class Harness {
    constructor(opt) {
        Object.assign(this, opt);
        // Shared by the per-module views (Object.create) that run.mjs makes:
        // counters, data and sessions live in objects, never reassigned.
        this.tally = { count: 0, failed: 0 };
        this.data = {};   // what one module leaves for the next ones
        this.sessions = [];
        this.browser = null;
        this.cookies = {};  // base URL + user -> session token
    }

    diag(text) {
        for (const line of String(text).split('\n')) this.out(`#   ${line}`);
    }

    // ok(COND, NAME[, DIAG]) -> COND as a boolean
    ok(cond, name, diag) {
        if (this.dead) return false;
        const t = this.tally;
        t.count++;
        const clean = String(name).replace(/[\r\n#]+/g, ' ');
        if (cond) {
            this.out(`ok ${t.count} - ${clean}`);
        } else {
            t.failed++;
            this.out(`not ok ${t.count} - ${clean}`);
            if (diag !== undefined && diag !== '') this.diag(diag);
        }
        return !!cond;
    }

    is(got, want, name) {
        const g = JSON.stringify(got), w = JSON.stringify(want);
        return this.ok(g === w, name, `got:      ${g}\nexpected: ${w}`);
    }

    // check(NAME, async FN): one assertion that passes when FN resolves (to
    // anything but false) and fails with the error's message when it throws.
    // Returns FN's value (undefined on failure).
    async check(name, fn) {
        try {
            const v = await fn();
            this.ok(v !== false, name, v === false ? 'returned false' : undefined);
            return v;
        } catch (e) {
            this.ok(false, name, firstLines(e));
            return undefined;
        }
    }

    // session({base, user, password, name}) -> {context, page, errors, base}
    // A fresh browser context (no cookies) with one page. Console messages of
    // type "error" and uncaught page errors are collected in errors;
    // noErrors() asserts there were none.
    async session(opt = {}) {
        const base = opt.base || this.urls.root;
        const ctxOpt = { baseURL: base, viewport: { width: 1280, height: 900 }, locale: 'en-US' };
        if (opt.user) ctxOpt.httpCredentials = { username: opt.user, password: opt.password };
        const context = await this.browser.newContext(ctxOpt);
        context.setDefaultTimeout(5000);
        context.setDefaultNavigationTimeout(10000);
        const page = await context.newPage();
        const s = { context, page, base, errors: [], requests: [], name: opt.name || 'page' };
        const watch = (p) => {
            p.on('request', (r) => s.requests.push(r.url()));
            p.on('console', (m) => {
                if (m.type() === 'error') {
                    const loc = m.location();
                    s.errors.push(`console error: ${m.text()}${loc && loc.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
                }
            });
            p.on('pageerror', (e) => s.errors.push(`page error: ${firstLines(e, 4)}`));
        };
        watch(page);
        context.on('page', watch);
        this.sessions.push(s);
        return s;
    }

    // noErrors(SESSION, NAME): no console error and no page error since the
    // last call (the list is emptied).
    noErrors(s, name) {
        const errs = s.errors.splice(0);
        return this.ok(errs.length === 0, name || `${s.name}: no console errors`, errs.join('\n'));
    }

    async shot(page, name) {
        if (!name) return null;
        const file = path.join(this.shots, `${name}.png`);
        try {
            await page.screenshot({ path: file, fullPage: true, timeout: 15000 });
        } catch (e) {
            this.diag(`screenshot ${file} failed: ${firstLines(e)}`);
        }
        return file;
    }

    async closeAll() {
        for (const s of this.sessions.splice(0)) {
            await s.context.close().catch(() => {});
        }
    }

    finish() {
        const t = this.tally;
        this.out(`1..${t.count}`);
        if (t.failed) this.out(`# ${t.failed} of ${t.count} browser assertions failed`);
        return t.failed || !t.count ? 1 : 0;
    }

    // ---- HTTP from node (Node's fetch; no redirects followed) ----

    async http(method, url, { headers = {}, body, token } = {}) {
        const h = { ...headers };
        if (token) h.Cookie = `TWISTED_SESSION=${token}`;
        const res = await fetch(url, { method, headers: h, body, redirect: 'manual' });
        const text = await res.text();
        let json;
        try { json = JSON.parse(text); } catch (e) { json = undefined; }
        return { status: res.status, headers: res.headers, text, json };
    }

    // api(BASE, PATH[, QUERY, TOKEN]) -> decoded envelope; throws on non-200
    async api(base, p, query, token) {
        const qs = query ? '?' + new URLSearchParams(query).toString() : '';
        const r = await this.http('GET', `${base}api/v2/${p}${qs}`, {
            headers: { Accept: 'application/json' }, token,
        });
        if (r.status !== 200 || !r.json) throw new Error(`GET api/v2/${p}${qs}: ${r.status} ${r.text.slice(0, 200)}`);
        return r.json;
    }

    // login(BASE, USER, PASSWORD) -> session token minted by auth/login
    async login(base, user = this.user, password = this.password) {
        const key = `${base} ${user}`;
        if (this.cookies[key]) return this.cookies[key];
        const r = await this.http('GET', `${base}auth/login`, {
            headers: { Authorization: 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64') },
        });
        const m = /TWISTED_SESSION=([^;]+)/.exec(r.headers.get('set-cookie') || '');
        if (!m) throw new Error(`login as ${user} at ${base}auth/login: ${r.status}, no session cookie`);
        this.cookies[key] = m[1];
        return m[1];
    }

    // rpc(BASE, PATH, METHOD, PARAMS, TOKEN) -> result; throws on an error
    async rpc(base, p, method, params, token) {
        const r = await this.http('POST', `${base}api/v2/${p}`, {
            headers: { 'Content-Type': 'application/json' }, token,
            body: JSON.stringify({ jsonrpc: '2.0', method, id: 1, params: params || {} }),
        });
        if (r.status !== 200 || !r.json || r.json.error) {
            throw new Error(`${method} ${p}: ${r.status} ${r.text.slice(0, 300)}`);
        }
        return r.json.result;
    }

    // until(FN, {timeout, interval, what}) -> FN's first truthy value; throws on timeout
    async until(fn, { timeout = 30000, interval = 250, what = 'condition' } = {}) {
        const deadline = Date.now() + timeout;
        let last;
        for (;;) {
            try {
                const v = await fn();
                if (v) return v;
            } catch (e) {
                last = e;
            }
            if (Date.now() > deadline) {
                throw new Error(`timed out after ${timeout / 1000}s waiting for ${what}` + (last ? `: ${firstLines(last)}` : ''));
            }
            await new Promise((r) => setTimeout(r, interval));
        }
    }
}

export function firstLines(e, n = 6) {
    const text = e && (e.stack || e.message) ? (e.message || e.stack) : String(e);
    return text.split('\n').slice(0, n).join('\n');
}

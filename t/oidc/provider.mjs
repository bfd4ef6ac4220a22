// A loopback OpenID Connect provider for t/live/30_oidc.t, built on
// oidc-provider (an OpenID Certified implementation of the OP side).
//
//   node t/oidc/provider.mjs [--port 8796] --redirect-uri URL [--redirect-uri URL...]
//
// Issuer http://127.0.0.1:PORT, discovery at /.well-known/openid-configuration.
// One confidential client, "buildbot" / "buildbot-secret" (client_secret_basic,
// authorization code flow), whose redirect URIs are the --redirect-uri
// arguments (the test knows its Apache port only at run time). Scopes openid,
// email, profile and groups; the claims come back from the userinfo endpoint,
// as GitLab's do.
//
// Users (the password is the login followed by "-pass"):
//   olga     Olga Operator    olga@example.org     groups admins, qa
//   quentin  Quentin Quality  quentin@example.org  groups qa
//
// The login page is deliberately tiny so that a test can drive it without a
// browser: GET /interaction/<uid> answers a form whose action is
// /interaction/<uid>/login (fields login, password). A good password ends the
// interaction with both the login and the consent (a grant for every scope the
// client asked for), so there is no consent page; a bad one answers 403 and
// the form again. The process prints "oidc-provider ready <issuer>" once it
// listens, and stops on SIGTERM/SIGINT.
import http from 'node:http';
import { URL } from 'node:url';
import Provider from 'oidc-provider';

function usage(msg) {
  process.stderr.write(`provider.mjs: ${msg}\n`);
  process.exit(2);
}

let port = Number(process.env.BBW_OIDC_PORT || 8796);
const redirectUris = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 1) {
  if (argv[i] === '--port') port = Number(argv[++i]);
  else if (argv[i] === '--redirect-uri') redirectUris.push(argv[++i]);
  else usage(`unknown argument ${argv[i]}`);
}
if (!Number.isInteger(port) || port <= 0 || port > 65535) usage('bad --port');
if (redirectUris.length === 0) usage('at least one --redirect-uri is needed');

const issuer = `http://127.0.0.1:${port}`;

const users = {
  olga: {
    name: 'Olga Operator', email: 'olga@example.org', groups: ['admins', 'qa'],
  },
  quentin: {
    name: 'Quentin Quality', email: 'quentin@example.org', groups: ['qa'],
  },
};

function account(id) {
  const u = users[id];
  if (!u) return undefined;
  return {
    accountId: id,
    // oidc-provider keeps only the claims the granted scopes allow.
    async claims() {
      return {
        sub: id,
        email: u.email,
        email_verified: true,
        name: u.name,
        nickname: id,
        preferred_username: id,
        groups: u.groups,
      };
    },
  };
}

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'buildbot',
    client_secret: 'buildbot-secret',
    redirect_uris: redirectUris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'nickname', 'preferred_username'],
    groups: ['groups'],
  },
  scopes: ['openid', 'email', 'profile', 'groups'],
  findAccount: async (ctx, id) => account(id),
  // Fixed test-only keys: cookies signed with them live for one test run.
  cookies: { keys: ['bbwww-oidc-test-only'] },
  features: {
    devInteractions: { enabled: false },
  },
  pkce: { required: () => false },
  interactions: {
    url: (ctx, interaction) => `/interaction/${interaction.uid}`,
  },
  ttl: {
    Session: 3600, Interaction: 600, Grant: 3600, AccessToken: 600, IdToken: 600,
    AuthorizationCode: 60,
  },
});
provider.on('server_error', (ctx, err) => process.stderr.write(`server_error: ${err.stack}\n`));

function page(res, status, uid, message) {
  const body = `<!DOCTYPE html>
<html><head><title>Sign in</title></head><body>
<p>${message}</p>
<form method="post" action="/interaction/${uid}/login">
<input name="login"> <input name="password" type="password">
<button type="submit">Sign in</button>
</form></body></html>
`;
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(body);
}

function readForm(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      data += chunk;
      if (data.length > 8192) reject(new Error('form too large'));
    });
    req.on('end', () => resolve(new URLSearchParams(data)));
    req.on('error', reject);
  });
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  if (req.method === 'GET' && !action) {
    page(res, 200, uid, `Sign in to ${details.params.client_id}`);
    return;
  }
  if (req.method !== 'POST' || action !== 'login') {
    res.writeHead(405, { Allow: 'GET' });
    res.end();
    return;
  }
  const form = await readForm(req);
  const login = form.get('login') || '';
  if (!users[login] || form.get('password') !== `${login}-pass`) {
    page(res, 403, uid, 'Unknown user or wrong password');
    return;
  }
  const grant = new provider.Grant({ accountId: login, clientId: details.params.client_id });
  grant.addOIDCScope(String(details.params.scope || 'openid'));
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, {
    login: { accountId: login },
    consent: { grantId },
  }, { mergeWithLastSubmission: false });
}

const callback = provider.callback();
const server = http.createServer((req, res) => {
  const path = new URL(req.url, issuer).pathname;
  const m = path.match(/^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login))?$/);
  if (!m) {
    callback(req, res);
    return;
  }
  interaction(req, res, m[1], m[2]).catch((err) => {
    process.stderr.write(`interaction: ${err.stack || err}\n`);
    if (!res.headersSent) {
      res.writeHead(400, { 'Content-Type': 'text/plain' });
      res.end(`${err.message}\n`);
    }
  });
});

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`oidc-provider ready ${issuer}\n`);
});
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => server.close(() => process.exit(0)));
}

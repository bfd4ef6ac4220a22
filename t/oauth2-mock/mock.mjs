// A stand-in for GitHub's and Bitbucket's OAuth2 and API endpoints, for
// t/live/35_oauth2.t: github.com, api.github.com, a GitHub Enterprise server
// and bitbucket.org cannot be reached from the test machine, so this loopback
// server answers as they do (the shapes of GitHub's REST v3 and GraphQL v4
// answers and of Bitbucket Cloud's 2.0 API, trimmed to what a login reads).
// Node, no dependencies.
//
//   node t/oauth2-mock/mock.mjs --port 8799
//
// Layouts (the BuildbotOAuth2 options of t/conf/oauth2.last.conf.in):
//   /gh/login/oauth/{authorize,access_token}   github.com        (login=)
//   /gh-api/{user,user/emails,user/orgs,graphql} api.github.com  (api=)
//   /ghe/login/oauth/...  /ghe/api/v3/...  /ghe/api/graphql    Enterprise (server=)
//   /bb/site/oauth2/{authorize,access_token}   bitbucket.org     (login=)
//   /bb-api/2.0/{user,user/emails,workspaces}  api.bitbucket.org (api=)
// and for the test itself:
//   GET /mock/requests   every request seen since the last reset (JSON)
//   POST /mock/reset
import http from 'node:http';

const args = process.argv.slice(2);
const port = Number(args[args.indexOf('--port') + 1] || 8799);
const CLIENT_ID = 'bbw-client', CLIENT_SECRET = 'bbw-secret';

// code → what the token endpoint answers.
const codes = {
  'gh-octo':  { form: { access_token: 'gho_octo', scope: 'read:org,user:email', token_type: 'bearer' } },
  'gh-json':  { json: { access_token: 'gho_octo', scope: 'read:org,user:email', token_type: 'bearer' } },
  'gh-dev':   { form: { access_token: 'gho_dev', scope: 'read:org,user:email', token_type: 'bearer' } },
  'gh-fail':  { form: { access_token: 'gho_fail', token_type: 'bearer' } },
  'gh-types': { form: { access_token: 'gho_types', token_type: 'bearer' } },
  'gh-crlf':  { json: { access_token: 'gho_x\r\nX-Injected: 1', token_type: 'bearer' } },
  // GitHub answers a bad code with 200 and a form naming the error.
  'gh-bad':   { form: { error: 'bad_verification_code',
                        error_description: 'The code passed is incorrect or expired.',
                        error_uri: 'https://docs.github.com/apps/troubleshooting' } },
  'gh-500':   { status: 500, text: 'oops' },
  'bb-ann':   { json: { access_token: 'bbt_ann', scopes: 'account email', token_type: 'bearer',
                        expires_in: 7200, refresh_token: 'r' } },
  // Bitbucket answers a bad code with 400 and JSON.
  'bb-bad':   { status: 400, json: { error: 'invalid_grant',
                                     error_description: 'The code is invalid\r\nor expired' } },
};

// GitHub users by token.
const github = {
  gho_octo: {
    user: { login: 'octocat', id: 583231, name: 'Mona Octocat', email: null,
            avatar_url: 'https://avatars.example/u/583231' },
    emails: [ { email: 'mona@old.example', primary: false, verified: true },
              { email: 'mona@example.org', primary: true, verified: true } ],
    orgs: [ { login: 'acme', id: 1 }, { login: 'my-org.x', id: 2 }, { login: 'locked', id: 3 } ],
    viewerEmail: 'mona@example.org',
  },
  gho_dev: {
    user: { login: 'devon', id: 7, name: null, email: 'devon@users.example' },
    emails: [ { email: 'devon@users.example', primary: false, verified: true } ],
    orgs: [],
    viewerEmail: '',
  },
  gho_types: {
    user: { login: 42, name: 'Numbers', email: null },
    emails: [], orgs: [], viewerEmail: '',
  },
};

// Teams by org login (null: the org restricts OAuth apps).
const teams = {
  'acme': [ { name: 'CI Admins', slug: 'ci-admins' }, { name: 'Developers', slug: 'developers' } ],
  'my-org.x': [ { name: 'QA', slug: 'qa' } ],
  'locked': null,
};

const VIEWER_QUERY = 'query {\n  viewer {\n    email\n    login\n    name\n' +
  '    organizations(first: 100) {\n      edges {\n        node {\n' +
  '          login\n        }\n      }\n    }\n  }\n}';

const bitbucket = {
  bbt_ann: {
    user: { username: 'ann', display_name: 'Ann Bucket', uuid: '{0a0a}', type: 'user' },
    emails: { values: [ { email: 'ann@old.example', is_primary: false, type: 'email' },
                        { email: 'ann@example.org', is_primary: true, type: 'email' } ],
              page: 1, pagelen: 10 },
    workspaces: { values: [ { slug: 'acme', name: 'Acme' }, { slug: 'ann-ws', name: 'Ann' } ],
                  page: 1, pagelen: 10 },
  },
};

let seen = [];

function send(res, status, type, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body),
                          'Connection': 'close', ...headers });
  res.end(body);
}
const json = (res, status, v) => send(res, status, 'application/json; charset=utf-8', JSON.stringify(v));
const form = (v) => new URLSearchParams(v).toString();

function authorize(res, url, code) {
  const q = url.searchParams;
  if (q.get('client_id') !== CLIENT_ID || q.get('response_type') !== 'code' || !q.get('redirect_uri'))
    return send(res, 400, 'text/plain', 'bad authorization request');
  const back = new URL(q.get('redirect_uri'));
  back.searchParams.set('code', code);
  if (q.has('state')) back.searchParams.set('state', q.get('state'));
  send(res, 302, 'text/plain', '', { Location: back.toString() });
}

function token(res, body) {
  const p = new URLSearchParams(body);
  if (p.get('client_id') !== CLIENT_ID || p.get('client_secret') !== CLIENT_SECRET)
    return json(res, 401, { error: 'invalid_client', error_description: 'Bad client credentials' });
  if (p.get('grant_type') !== 'authorization_code')
    return json(res, 400, { error: 'unsupported_grant_type' });
  const answer = codes[p.get('code')];
  if (!answer)
    return send(res, 200, 'application/x-www-form-urlencoded; charset=utf-8',
                form({ error: 'bad_verification_code', error_description: 'unknown code' }));
  if (answer.text !== undefined) return send(res, answer.status, 'text/plain', answer.text);
  if (answer.json) return json(res, answer.status || 200, answer.json);
  send(res, answer.status || 200, 'application/x-www-form-urlencoded; charset=utf-8', form(answer.form));
}

function githubUser(req) {
  const m = /^token (\S+)$/.exec(req.headers.authorization || '');
  return m && github[m[1]];
}

function githubRest(req, res, what) {
  const u = githubUser(req);
  if (!u) return json(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
  json(res, 200, what === 'user' ? u.user : what === 'user/emails' ? u.emails : u.orgs);
}

function githubGraphql(req, res, body) {
  const u = githubUser(req);
  if (!u) return json(res, 401, { message: 'Bad credentials' });
  let query;
  try { query = JSON.parse(body).query; } catch (e) { return json(res, 400, { message: 'Problems parsing JSON' }); }
  if (query === VIEWER_QUERY)
    return json(res, 200, { data: { viewer: {
      email: u.viewerEmail, login: u.user.login, name: u.user.name,
      organizations: { edges: u.orgs.map((o) => ({ node: { login: o.login } })) } } } });
  if (typeof query === 'string' && query.startsWith('\nquery getOrgTeamMembership {')) {
    const data = {};
    const re = /\n {2}(\w+): organization\(login: "([^"]*)"\) \{\n {4}teams\(first: 100 userLogins: \["([^"]*)"\]\)/g;
    let m, errors = [];
    while ((m = re.exec(query))) {
      const t = teams[m[2]];
      if (t === null) errors.push({ type: 'FORBIDDEN', path: [m[1]], message: `${m[2]} has enabled OAuth App access restrictions` });
      data[m[1]] = t ? { teams: { edges: t.map((n) => ({ node: n })) } } : null;
    }
    return json(res, 200, errors.length ? { data, errors } : { data });
  }
  json(res, 200, { errors: [ { message: 'Parse error on query' } ] });
}

function bitbucketApi(res, url, what) {
  const u = bitbucket[url.searchParams.get('access_token')];
  if (!u) return json(res, 401, { type: 'error', error: { message: 'Access token expired.' } });
  if (what === 'workspaces' && url.searchParams.get('role') !== 'member')
    return json(res, 400, { type: 'error', error: { message: 'role expected' } });
  json(res, 200, what === 'user' ? u.user : what === 'user/emails' ? u.emails : u.workspaces);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url, `http://127.0.0.1:${port}`);
    const path = url.pathname;
    if (path === '/mock/requests') return json(res, 200, seen);
    if (path === '/mock/reset') { seen = []; return json(res, 200, { ok: true }); }
    seen.push({ method: req.method, path, query: url.search, headers: req.headers, body });
    let m;
    if ((m = /^\/(gh|ghe|bb)\/(?:login\/oauth|site\/oauth2)\/authorize$/.exec(path)) && req.method === 'GET')
      return authorize(res, url, m[1] === 'bb' ? 'bb-ann' : 'gh-octo');
    if (/^\/(gh|ghe)\/login\/oauth\/access_token$|^\/bb\/site\/oauth2\/access_token$/.test(path) && req.method === 'POST')
      return token(res, body);
    if ((m = /^\/(?:gh-api|ghe\/api\/v3)\/(user|user\/emails|user\/orgs)$/.exec(path)) && req.method === 'GET')
      return githubRest(req, res, m[1]);
    if (/^\/(?:gh-api|ghe\/api)\/graphql$/.test(path) && req.method === 'POST')
      return githubGraphql(req, res, body);
    if ((m = /^\/bb-api\/2\.0\/(user|user\/emails|workspaces)$/.exec(path)) && req.method === 'GET')
      return bitbucketApi(res, url, m[1]);
    json(res, 404, { message: 'Not Found' });
  });
});
server.listen(port, '127.0.0.1', () => console.log(`oauth2 mock on 127.0.0.1:${port}`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)));

# Native GitHub and Bitbucket login (BuildbotOAuth2 = Buildbot's GitHubAuth
# and BitbucketAuth, auth-session.md §4.6), without an OpenID Connect broker.
#
# GitHub's and Bitbucket's servers cannot run here, and the test machine
# cannot reach them: a MOCK stands in for them, t/oauth2-mock/mock.mjs
# (node, no dependencies), which this test starts on 127.0.0.1:8799. It
# answers as github.com / api.github.com (REST v3 and GraphQL v4), a GitHub
# Enterprise server and bitbucket.org / api.bitbucket.org do, and records
# every request it gets, so the test can check what mod_bbwww sends: the
# authorization redirect, the token request (credentials in the form, no
# Basic auth), the API calls and their headers. The vhosts are in
# t/conf/oauth2.last.conf.in.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use File::Spec ();
use File::Temp ();
use HTTP::Cookies ();
use IO::Socket::INET ();
use JSON::PP ();
use LWP::UserAgent ();
use POSIX ();
use Time::HiRes ();
use Apache::Test ();
use BBW::Test;
use BBW::Session;
use BBW::Configtest;

my $json = JSON::PP->new->allow_nonref;
my $top = File::Spec->rel2abs("$FindBin::Bin/../..");
my $mock_port = 8799;                  # as in t/conf/oauth2.last.conf.in
my $mock = "http://127.0.0.1:$mock_port";

my $config = Apache::Test::config();
unless ($config->{vhosts}{bbw_gh}) {
    fail('the bbw_gh vhost exists (t/conf/oauth2.last.conf.in)');
    done_testing;
    exit;
}
my %base = map { $_ => server_url($_) } qw(bbw_gh bbw_gh4 bbw_ghe bbw_ghe4 bbw_bb);

# ---- the mock ----
my $mock_pid;
my $mock_log = "$top/t/logs/oauth2-mock.log";
sub stop_mock {
    return unless $mock_pid;
    kill 'TERM', $mock_pid;
    for (1 .. 50) {
        last if waitpid($mock_pid, POSIX::WNOHANG()) == $mock_pid;
        Time::HiRes::sleep(0.1);
    }
    kill 'KILL', $mock_pid if kill 0, $mock_pid;
    waitpid($mock_pid, 0);
    $mock_pid = undef;
}
END { my $rc = $?; stop_mock(); $? = $rc; }

sub start_mock {
    if (IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $mock_port, Timeout => 2)) {
        diag("something already listens on 127.0.0.1:$mock_port");
        return 0;
    }
    $mock_pid = fork // die "fork: $!";
    if (!$mock_pid) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', $mock_log or POSIX::_exit(127);
        open STDERR, '>&', \*STDOUT;
        { no warnings 'exec'; exec 'node', "$top/t/oauth2-mock/mock.mjs", '--port', $mock_port; }
        POSIX::_exit(127);
    }
    for (1 .. 100) {
        return 1 if IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $mock_port, Timeout => 1);
        last if waitpid($mock_pid, POSIX::WNOHANG()) == $mock_pid;
        Time::HiRes::sleep(0.1);
    }
    diag("the mock did not start; $mock_log:\n" . (do { local (@ARGV, $/) = $mock_log; <> } // ''));
    return 0;
}

unless (start_mock()) {
    fail("the GitHub/Bitbucket mock runs on $mock");
    done_testing;
    exit;
}
pass("the GitHub/Bitbucket mock (a stand-in for their servers) runs on $mock");

sub mock_reset { http(POST => "$mock/mock/reset") }
sub mock_requests { $json->decode(http(GET => "$mock/mock/requests")->content) }

# Python's urllib.parse.quote_plus, which Buildbot's urlencode uses.
sub qp {
    my $s = shift;
    $s =~ s/([^A-Za-z0-9_.\-~ ])/sprintf('%%%02X', ord $1)/ge;
    $s =~ tr/ /+/;
    return $s;
}

sub config_of {
    my ($base, $token) = @_;
    my $res = http(GET => "$base/config", headers => [$token ? cookie_header($token) : ()]);
    return eval { $json->decode($res->content) } || {};
}

sub user_info_text {
    my $token = shift;
    my (undef, $payload) = jwt_parts($token // 'x.e30.x');
    return $payload =~ s/^\{"user_info":(.*),"exp":\d+\}\z/$1/r;
}

# callback(VHOST, QUERY) -> (response, token): the provider sends the
# browser back to /auth/login with the code.
sub callback {
    my ($vhost, $query) = @_;
    mock_reset();
    my $res = http(GET => "$base{$vhost}/auth/login?$query");
    return ($res, cookie_token($res));
}

my $secret = session_secret();
my $gh = $base{bbw_gh};

# ---- the descriptor ----
is_deeply(config_of($gh)->{auth}, { name => 'GitHub', oauth2 => true, fa_icon => 'fa-github',
                                    autologin => false },
          '/config auth: GitHubAuth\'s descriptor');
is_deeply(config_of($base{bbw_gh4})->{auth}, { name => 'GitHub', oauth2 => true,
                                               fa_icon => 'fa-github', autologin => true },
          '  autologin=on');
is_deeply(config_of($base{bbw_bb})->{auth}, { name => 'Bitbucket', oauth2 => true,
                                              fa_icon => 'fa-bitbucket', autologin => false },
          '  BitbucketAuth\'s descriptor');

# ---- step 1: to the provider's authorization page ----
mock_reset();
{
    my $res = http(GET => "$gh/auth/login?redirect=/builders/1");
    is($res->code, 302, '/auth/login without code: 302');
    is($res->header('Location'),
       "$mock/gh/login/oauth/authorize?client_id=bbw-client&redirect_uri=" . qp("$gh/auth/login")
       . '&response_type=code&scope=user%3Aemail+read%3Aorg&state=redirect%3D%252Fbuilders%252F1',
       '  to the authorize URL, parameters sorted and form-encoded, state=redirect=<R>');
    ok(!set_cookies($res), '  no session yet');

    $res = http(GET => "$gh/auth/login");
    is($res->header('Location'),
       "$mock/gh/login/oauth/authorize?client_id=bbw-client&redirect_uri=" . qp("$gh/auth/login")
       . '&response_type=code&scope=user%3Aemail+read%3Aorg', '  no redirect: no state');

    $res = http(GET => "$gh/auth/login?redirect=%2Fbuilders%3Fa%3Db%20c%26d%3D%C3%A9");
    my $loc = $res->header('Location') // '';
    my ($state) = $loc =~ /&state=([^&]*)\z/;
    is($state, qp('redirect=' . qp("/builders?a=b c&d=\xc3\xa9")),
       '  a redirect with reserved characters and UTF-8 is encoded twice, as Buildbot does');

    $res = http(GET => "$base{bbw_bb}/auth/login?redirect=/");
    is($res->header('Location'),
       "$mock/bb/site/oauth2/authorize?client_id=bbw-client&redirect_uri="
       . qp("$base{bbw_bb}/auth/login") . '&response_type=code&state=redirect%3D%252F',
       'Bitbucket: its authorize URL, no scope');

    $res = http(GET => "$base{bbw_ghe}/auth/login?redirect=/");
    is($res->header('Location'),
       "$mock/ghe/login/oauth/authorize?client_id=bbw-client&redirect_uri="
       . qp("$base{bbw_ghe}/auth/login") . '&response_type=code&scope=user%3Aemail+read%3Aorg'
       . '&state=redirect%3D%252F',
       'GitHub Enterprise: <serverURL>/login/oauth/authorize (trailing / of server= dropped)');

    $res = http(GET => "$gh/auth/login?error=access_denied&state=redirect%3D%252F");
    like($res->header('Location') // '', qr{^\Q$mock\E/gh/login/oauth/authorize\?},
         'a callback with error and no code loops back to the provider (as Buildbot)');
    is_deeply(mock_requests(), [], '  the provider\'s servers are not called in step 1');
}

# ---- GitHub, REST v3 ----
my $octo = '{"full_name":"Mona Octocat","email":"mona@example.org","username":"octocat",'
         . '"groups":["acme","my-org.x","locked"]}';
my ($res, $token) = callback(bbw_gh => 'code=gh-octo&state=redirect%3D%252Fbuilders%252F1');
is($res->code, 302, 'GitHub v3: the callback with a code logs in (302)');
is($res->header('Location'), "$gh/#/builders/1",
   '  back to buildbotURL#<the redirect carried in state> (3.7 drops it; documented)');
my ($header, $payload) = jwt_parts($token // '');
is($header, '{"alg":"HS256","typ":"JWT"}', '  TWISTED_SESSION: a Buildbot JWT');
is(jwt_make($secret // '', $payload), $token, '  signed with the database\'s session secret');
is(user_info_text($token), $octo,
   '  user_info: full_name, email (the primary one of /user/emails), username, groups (orgs)');
my $exp = (eval { $json->decode($payload) } || {})->{exp} // 0;
ok($exp > time + 3000 && $exp <= time + 3600, '  exp = now + BuildbotCookieExpirationTime 1h');
my ($cookie) = grep { /^TWISTED_SESSION=/ } set_cookies($res);
like($cookie // '', qr/; Path=\/; HttpOnly; SameSite=Lax\z/, '  cookie attributes as for any login');
{
    my $seen = mock_requests();
    is_deeply([map { "$_->{method} $_->{path}" } @$seen],
              ['POST /gh/login/oauth/access_token', 'GET /gh-api/user', 'GET /gh-api/user/emails',
               'GET /gh-api/user/orgs'],
              '  the mock saw: the token request, then /user, /user/emails, /user/orgs');
    my ($tok, @api) = @$seen;
    is($tok->{body}, 'redirect_uri=' . qp("$gh/auth/login")
                     . '&code=gh-octo&grant_type=authorization_code&client_id=bbw-client'
                     . '&client_secret=bbw-secret',
       '  token request: Buildbot\'s form fields in its order; secret read from file:');
    is($tok->{headers}{'content-type'}, 'application/x-www-form-urlencoded', '  as a form');
    ok(!exists $tok->{headers}{authorization}, '  no HTTP Basic credentials');
    is_deeply([map { $_->{headers}{authorization} } @api], [('token gho_octo') x 3],
              '  API calls: Authorization: token <access_token>');
    ok(!(grep { ($_->{headers}{'user-agent'} // '') !~ m{^buildbot/3\.7\.0\b} } @$seen),
       '  User-Agent: buildbot/<version> on every call');
    is_deeply([map { $_->{headers}{accept} } @api], [('application/vnd.github.v3+json') x 3],
              '  Accept: the REST v3 media type');
}
is_deeply(config_of($gh, $token)->{user}, $json->decode($octo), '/config user block: the session\'s user_info');

# authz from the groups: BuildbotRolesFromGroups + BuildbotAllow AnyControlEndpoint acme
my ($rpc, $reply) = rpc($gh, 'workers/1', 'pause', {}, token => $token);
is($rpc->code, 503, 'octocat (org acme) may pause a worker: allowed, then 503 (no master here)');

# a token answered as JSON, no state: plain buildbotURL
($res, $token) = callback(bbw_gh => 'code=gh-json');
is($res->code, 302, 'a JSON token answer works as well');
is($res->header('Location'), "$gh/", '  no state: plain buildbotURL, as Buildbot');
is(user_info_text($token), $octo, '  same user');

# a user without a name, a primary email or orgs
($res, $token) = callback(bbw_gh => 'code=gh-dev&state=redirect%3D%252Fabout');
is(user_info_text($token), '{"full_name":null,"email":"devon@users.example","username":"devon","groups":[]}',
   'no name: full_name null; no primary email: the /user one; no orgs: groups []');
($rpc, $reply) = rpc($gh, 'workers/1', 'pause', {}, token => $token, id => 4);
is($rpc->code, 403, '  devon (no org) may not pause a worker: 403');
is($rpc->content, '{"jsonrpc": "2.0", "id": 4, "error": {"code": -32600, "message": "you need to have role \'acme\'"}}',
   '  Buildbot\'s JSON-RPC denial');

# ---- GitHub, GraphQL v4 with teams ----
my $viewer_query = "query {\n  viewer {\n    email\n    login\n    name\n"
    . "    organizations(first: 100) {\n      edges {\n        node {\n"
    . "          login\n        }\n      }\n    }\n  }\n}";
my $team_block = sub {
    my ($alias, $org) = @_;
    return "\n  $alias: organization(login: \"$org\") {\n    teams(first: 100 userLogins: [\"octocat\"]) {\n"
         . "      edges {\n        node {\n          name,\n          slug\n        }\n      }\n    }\n  }";
};
my $teams_query = "\nquery getOrgTeamMembership {" . $team_block->('acme', 'acme')
    . $team_block->('my_org_x', 'my-org.x') . $team_block->('locked', 'locked') . "\n}";
($res, $token) = callback(bbw_gh4 => 'code=gh-octo&state=redirect%3D%252F');
is($res->code, 302, 'GitHub v4 + teams: logged in');
is(user_info_text($token),
   '{"full_name":"Mona Octocat","email":"mona@example.org","username":"octocat","groups":["acme","my-org.x","locked",'
   . '"acme/CI Admins","acme/Developers","acme/ci-admins","acme/developers","my-org.x/QA","my-org.x/qa"]}',
   '  groups: the orgs, then <org>/<team name> and <org>/<team slug> sorted; a restricted org (null) skipped');
{
    my $seen = mock_requests();
    is_deeply([map { "$_->{method} $_->{path}" } @$seen],
              ['POST /gh/login/oauth/access_token', 'POST /gh-api/graphql', 'POST /gh-api/graphql'],
              '  the mock saw: the token request and two GraphQL queries');
    my @q = map { eval { $json->decode($_->{body}) } || {} } @$seen[1, 2];
    is_deeply($q[0], { query => $viewer_query }, '  1: GitHubAuth\'s viewer query, {"query": ...}');
    is($q[1]{query}, $teams_query, '  2: the teams query, one alias per org ([^_a-zA-Z0-9] → _)');
    is_deeply([map { "$_->{headers}{authorization} | $_->{headers}{'content-type'}" } @$seen[1, 2]],
              [('token gho_octo | application/json') x 2], '  with the token, as JSON');
}
($rpc) = rpc($base{bbw_gh4}, 'workers/1', 'pause', {}, token => $token);
is($rpc->code, 503, '  team acme/ci-admins may pause a worker: allowed (503, no master)');
($res, my $token_dev) = callback(bbw_gh4 => 'code=gh-dev');
is(user_info_text($token_dev), '{"full_name":null,"email":"","username":"devon","groups":[]}',
   '  devon on v4: the viewer\'s email as GitHub gives it ("" when private)');
is(scalar(@{ mock_requests() }), 2, '  no orgs: no teams query');
($rpc) = rpc($base{bbw_gh4}, 'workers/1', 'pause', {}, token => $token_dev);
is($rpc->code, 403, '  devon (no team) may not: 403');

# ---- GitHub Enterprise ----
($res, $token) = callback(bbw_ghe => 'code=gh-octo');
is(user_info_text($token), $octo, 'GitHub Enterprise v3: logged in');
is_deeply([map { "$_->{method} $_->{path}" } @{ mock_requests() }],
          ['POST /ghe/login/oauth/access_token', 'GET /ghe/api/v3/user', 'GET /ghe/api/v3/user/emails',
           'GET /ghe/api/v3/user/orgs'], '  <serverURL>/login/oauth/access_token and <serverURL>/api/v3');
($res, $token) = callback(bbw_ghe4 => 'code=gh-octo');
is(user_info_text($token), $octo, 'GitHub Enterprise v4: logged in');
is_deeply([map { "$_->{method} $_->{path}" } @{ mock_requests() }],
          ['POST /ghe/login/oauth/access_token', 'POST /ghe/api/graphql'], '  <serverURL>/api/graphql');

# ---- Bitbucket ----
my $bb = $base{bbw_bb};
($res, $token) = callback(bbw_bb => 'code=bb-ann&state=redirect%3D%252Fworkers');
is($res->code, 302, 'Bitbucket: logged in');
is($res->header('Location'), "$bb/#/workers", '  back to the page in state');
is(user_info_text($token),
   '{"full_name":"Ann Bucket","email":"ann@example.org","username":"ann","groups":["acme","ann-ws"],"team":"platform"}',
   '  user_info: display_name, the primary email, username, workspace slugs; the provider\'s keys merged after');
{
    my $seen = mock_requests();
    is_deeply([map { "$_->{method} $_->{path}$_->{query}" } @$seen],
              ['POST /bb/site/oauth2/access_token', 'GET /bb-api/2.0/user?access_token=bbt_ann',
               'GET /bb-api/2.0/user/emails?access_token=bbt_ann',
               'GET /bb-api/2.0/workspaces?role=member&access_token=bbt_ann'],
              '  the mock saw: the token request, then /user, /user/emails, /workspaces?role=member with ?access_token=');
    is($seen->[0]{body}, 'redirect_uri=' . qp("$bb/auth/login")
                         . '&code=bb-ann&grant_type=authorization_code&client_id=bbw-client'
                         . '&client_secret=bbw-secret', '  token request: the same form');
    ok(!(grep { exists $_->{headers}{authorization} } @$seen), '  no Authorization header anywhere');
}
is_deeply(config_of($bb, $token)->{user}{groups}, ['acme', 'ann-ws'], '  /config user block');
($rpc) = rpc($bb, 'workers/1', 'pause', {}, token => $token);
is($rpc->code, 503, '  workspace ann-ws may pause a worker (503, no master)');

# ---- failures: no session is minted ----
my @failures = (
    [bbw_gh => 'gh-bad', 503, 'OAuth2 session: creation failed: The code passed is incorrect or expired.',
     'GitHub refuses the code (200 + error=...): 503 with its description (as 4.x)'],
    [bbw_gh => 'nope', 503, 'OAuth2 session: creation failed: unknown code', 'an unknown code: 503'],
    [bbw_bb => 'bb-bad', 503, 'OAuth2 session: creation failed: The code is invalid  or expired',
     'Bitbucket refuses the code (400 + JSON error): 503, control characters blanked'],
    [bbw_gh => 'gh-500', 500, 'internal error - see logs', 'the token endpoint fails (500): 500 as Buildbot'],
    [bbw_gh => 'gh-fail', 500, 'internal error - see logs', 'the API refuses the token (401): 500'],
    [bbw_gh => 'gh-types', 500, 'internal error - see logs', 'the API answers a login that is no string: 500'],
    [bbw_gh => 'gh-crlf', 500, 'internal error - see logs', 'an access_token with CR/LF is never used: 500'],
    [bbw_gh4 => 'gh-fail', 500, 'internal error - see logs', 'GraphQL refuses the token: 500'],
);
for my $f (@failures) {
    my ($vhost, $code, $status, $body, $name) = @$f;
    my ($r, $t) = callback($vhost => "code=$code&state=redirect%3D%252F");
    is($r->code, $status, $name);
    is($r->content, $body, "  body: $body");
    is($r->header('Content-Type'), 'text/plain; charset=utf-8', '  text/plain');
    ok(!set_cookies($r) && !$r->header('Location') && !$r->header('X-Injected'),
       '  no session cookie, no redirect, nothing of the provider in the headers');
}

# ---- the whole flow, as a browser follows it ----
{
    my $ua = LWP::UserAgent->new(cookie_jar => HTTP::Cookies->new, max_redirect => 10,
                                 timeout => 30, agent => 'bbwww-oauth2-test');
    mock_reset();
    my $page = $ua->get("$gh/auth/login?redirect=/builders");
    my @chain;
    for (my $r = $page; $r; $r = $r->previous) { unshift @chain, $r }
    is_deeply([map { $_->request->uri->path . ' ' . $_->code } @chain[0 .. 2]],
              ['/auth/login 302', '/gh/login/oauth/authorize 302', '/auth/login 302'],
              'a browser: /auth/login → the provider → /auth/login?code=');
    is($chain[3] && $chain[3]->request->uri->path, '/', '  → the UI');
    is($chain[2]->header('Location'), "$gh/#/builders", '  landing on the page it came from');
    my $t;
    $ua->cookie_jar->scan(sub { $t = $_[2] if $_[1] eq 'TWISTED_SESSION' });
    is(user_info_text($t), $octo, '  logged in as octocat');
}

# ---- /auth/login/<anything> stays Buildbot's 404 ----
is(http(GET => "$gh/auth/login/other?code=gh-octo")->code, 404, '/auth/login/other: 404');

# ---- configuration errors, as `apachectl configtest` shows them ----
{
    my $configtest = sub { configtest(shift, server => 1) };
    my ($rc, $out) = $configtest->('BuildbotOAuth2 github id secret apiVersion=4 teams=on');
    is($rc, 0, 'configtest: a GitHub v4 + teams line passes') or diag($out);
    for my $case (
        ['BuildbotOAuth2 github id secret apiVersion=5', 'GitHubAuth apiVersion must be 3 or 4 not 5'],
        ['BuildbotOAuth2 github id secret teams=on',
         'Retrieving team membership information using GitHubAuth is only possible using GitHub api v4.'],
        ['BuildbotOAuth2 bitbucket id secret server=https://example.org', "unknown option 'server'"],
        ['BuildbotOAuth2 google id secret', "'google' is not a provider"],
        ['BuildbotOAuth2 github id file:/nonexistent/secret', "cannot read the client secret file"],
        ['BuildbotOAuth2 github id secret api=ftp://x', "api='ftp://x' is not an absolute http(s) URL"],
        ['BuildbotOAuth2 github id', 'expected github|bitbucket'],
    ) {
        my ($line, $message) = @$case;
        ($rc, $out) = $configtest->($line);
        isnt($rc, 0, "configtest refuses: $line");
        like($out, qr/BuildbotOAuth2: .*\Q$message\E/, "  BuildbotOAuth2: $message") or diag($out);
    }
}

stop_mock();
done_testing;

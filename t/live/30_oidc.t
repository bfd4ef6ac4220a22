# Single sign-on through a real OpenID Connect provider (issue 5): the
# loopback provider of t/oidc/provider.mjs (oidc-provider, an OpenID
# Certified implementation) on 127.0.0.1:8796, mod_auth_openidc protecting
# /auth/login on the bbw_oidc vhost (t/conf/oidc.last.conf.in), and the
# module turning mod_auth_openidc's OIDC_CLAIM_* variables into Buildbot's
# session. The browser is LWP: it follows every redirect (the UI, the
# provider's authorization endpoint, its login page, mod_auth_openidc's
# redirect URI, /auth/login again) and keeps the cookies of both sides.
#
# Needs node and t/oidc/node_modules; build/oidc-deps.sh installs the
# latter (npm ci) when it is missing.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use File::Spec ();
use HTTP::Cookies ();
use IO::Socket::INET ();
use JSON::PP ();
use LWP::UserAgent ();
use URI ();
use POSIX ();
use Time::HiRes ();
use BBW::Test;
use BBW::Session;

my $json = JSON::PP->new->allow_nonref;
my $top = File::Spec->rel2abs("$FindBin::Bin/../..");
my $op_port = 8796;                    # as in t/conf/oidc.last.conf.in
my $issuer = "http://127.0.0.1:$op_port";

my $config = Apache::Test::config();
unless ($config->{vhosts}{bbw_oidc}) {
    fail('the bbw_oidc vhost exists (mod_auth_openidc loaded: t/conf/modules.conf, build/deps.sh)');
    done_testing;
    exit;
}
my $base = server_url('bbw_oidc');
my $callback = "$base/auth/login/oidc-callback";

# ---- the provider ----
my $op_pid;
my $op_log = "$top/t/logs/oidc-provider.log";
sub stop_op {
    return unless $op_pid;
    kill 'TERM', $op_pid;
    for (1 .. 50) {
        last if waitpid($op_pid, POSIX::WNOHANG()) == $op_pid;
        Time::HiRes::sleep(0.1);
    }
    kill 'KILL', $op_pid if kill 0, $op_pid;
    waitpid($op_pid, 0);
    $op_pid = undef;
}
END { my $rc = $?; stop_op(); $? = $rc; }

sub start_op {
    if (system("$top/build/oidc-deps.sh") != 0) {
        diag('build/oidc-deps.sh failed: node, npm or the npm registry is missing');
        return 0;
    }
    if (IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $op_port, Timeout => 2)) {
        diag("something already listens on 127.0.0.1:$op_port");
        return 0;
    }
    $op_pid = fork // die "fork: $!";
    if (!$op_pid) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', $op_log or POSIX::_exit(127);
        open STDERR, '>&', \*STDOUT;
        { no warnings 'exec'; exec 'node', "$top/t/oidc/provider.mjs", '--port', $op_port,
              '--redirect-uri', $callback; }
        POSIX::_exit(127);
    }
    for (1 .. 150) {
        return 1 if IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $op_port, Timeout => 1);
        last if waitpid($op_pid, POSIX::WNOHANG()) == $op_pid;
        Time::HiRes::sleep(0.1);
    }
    diag("the provider did not start; $op_log:\n" . (do { local (@ARGV, $/) = $op_log; <> } // ''));
    return 0;
}

unless (start_op()) {
    fail("the OpenID Connect provider runs on $issuer");
    done_testing;
    exit;
}
pass("the OpenID Connect provider runs on $issuer");

# ---- a browser ----
sub browser {
    my $ua = LWP::UserAgent->new(cookie_jar => HTTP::Cookies->new, max_redirect => 20,
                                 timeout => 30, agent => 'bbwww-oidc-test');
    # What a browser sends on a page navigation; without text/html,
    # mod_auth_openidc takes the request for an XHR and answers 401.
    $ua->default_header(Accept => 'text/html,application/xhtml+xml,*/*;q=0.8');
    # The provider answers its login form with 303 (then GET, as browsers do).
    $ua->requests_redirectable([qw(GET HEAD POST)]);
    return $ua;
}

# The responses of a redirect chain, first to last.
sub chain {
    my $res = shift;
    my @all;
    for (my $r = $res; $r; $r = $r->previous) { unshift @all, $r }
    return @all;
}

sub session_of {
    my $ua = shift;
    my $token;
    $ua->cookie_jar->scan(sub { $token = $_[2] if $_[1] eq 'TWISTED_SESSION' });
    return $token;
}

# login_flow(UA, LOGIN, PASSWORD, REDIRECT) -> (login page response,
# response to the form, the /auth/login response that minted the session)
sub login_flow {
    my ($ua, $login, $password, $redirect) = @_;
    my $page = $ua->get("$base/auth/login?redirect=$redirect");
    my ($uid) = $page->request->uri =~ m{^\Q$issuer\E/interaction/([\w-]+)\z};
    return ($page) unless $uid;
    my $done = $ua->post("$issuer/interaction/$uid/login",
                         { login => $login, password => $password });
    my ($minted) = grep { $_->request->uri->path eq '/auth/login' && $_->code == 302
                          && ($_->header('Location') // '') =~ /#/ } chain($done);
    return ($page, $done, $minted);
}

sub config_of {
    my $token = shift;
    my $res = http(GET => "$base/config", headers => [$token ? cookie_header($token) : ()]);
    return eval { $json->decode($res->content) } || {};
}

my $secret = session_secret();

# ---- before logging in: the UI descriptor and the way to the provider ----
my $anon = config_of();
is_deeply($anon->{auth}, { name => 'GitLab', oauth2 => JSON::PP::true, fa_icon => 'fa-git',
                           autologin => JSON::PP::false },
          '/config auth: the OAuth2 descriptor of BuildbotAuth GitLab');
is_deeply($anon->{user}, { anonymous => JSON::PP::true }, 'nobody is logged in yet');
{
    my $res = http(GET => "$base/auth/login?redirect=/builders",
                   headers => [Accept => 'text/html']);
    is($res->code, 302, '/auth/login without a session: 302');
    my $to = URI->new($res->header('Location') // '');
    my %q = $to->query_form;
    is($to->scheme . '://' . $to->host_port . $to->path, "$issuer/auth",
       'to the provider\'s authorization endpoint (from its discovery document)');
    is_deeply([@q{qw(client_id redirect_uri response_type scope code_challenge_method)}],
              ['buildbot', $callback, 'code', 'openid email profile groups', 'S256'],
              'code flow, PKCE, mod_auth_openidc\'s redirect URI inside /auth/login');
    ok(!cookie_token($res), 'no Buildbot session yet');
}

# ---- olga logs in ----
my $ua = browser();
my $before = time;
my ($page, $done, $minted) = login_flow($ua, 'olga', 'olga-pass', '/builders');
is($page->code, 200, 'the provider\'s login page');
like($page->content, qr{action="/interaction/[\w-]+/login"}, '  with its form');
ok($done && $done->is_success, 'after the form, the redirects end on a page')
    or diag($done ? $done->status_line . "\n" . join("\n", map { $_->code . ' ' . $_->request->uri } chain($done)) : 'no form');
ok($minted, 'mod_auth_openidc\'s redirect URI led back to /auth/login, which minted the session')
    or diag(join("\n", map { $_->code . ' ' . $_->request->uri . ' -> ' . ($_->header('Location') // '') } chain($done || $page)));
is($minted && $minted->header('Location'), "$base/#/builders", '/auth/login: back to the page the UI asked for');
my @hops = map { $_->request->uri->path } chain($done || $page);
ok((grep { $_ eq '/auth/login/oidc-callback' } @hops), 'the provider answered on the redirect URI');
is(scalar(grep { $_ eq '/' } @hops), 1, 'the chain ends on the UI');

my $token = session_of($ua);
my ($header, $payload) = jwt_parts($token // '');
is($header, '{"alg":"HS256","typ":"JWT"}', 'TWISTED_SESSION: a Buildbot JWT');
is(jwt_make($secret // '', $payload), $token, '  signed with the database\'s session secret');
is($payload =~ s/,"exp":\d+\}\z/}/r,
   '{"user_info":{"username":"olga","email":"olga@example.org","full_name":"Olga Operator","groups":["admins","qa"]}}',
   'user_info: preferred_username, then email, name and the groups claim in directive order; no picture, no key');
my $exp = (eval { $json->decode($payload) } || {})->{exp} // 0;
ok($exp >= $before + 3600 && $exp <= time + 3600, 'exp = now + BuildbotCookieExpirationTime 1h');
my ($cookie) = grep { /^TWISTED_SESSION=/ } ($minted ? $minted->headers->header('Set-Cookie') : ());
like($cookie // '', qr/; Path=\/; HttpOnly; SameSite=Lax\z/, 'cookie attributes as for any login');

my $cfg = config_of($token);
is_deeply($cfg->{user}, { username => 'olga', email => 'olga@example.org', full_name => 'Olga Operator',
                          groups => ['admins', 'qa'] },
          '/config user block: the session\'s user_info');

# ---- authz from the groups claim: AnyControlEndpoint admins ----
my ($res, $reply) = rpc($base, 'workers/1', 'pause', {}, token => $token);
is($res->code, 503, 'olga (group admins) may pause a worker: allowed, then 503 (no master here)');
like($reply && $reply->{error}{message} // '', qr/master/i, '  the "no master" JSON-RPC error');

# ---- quentin: same provider, no admins group ----
my $ua2 = browser();
(undef, undef, my $minted2) = login_flow($ua2, 'quentin', 'quentin-pass', '/');
ok($minted2, 'quentin logs in through the provider');
is($minted2 && $minted2->header('Location'), "$base/#/", '  back to the home page');
my $token2 = session_of($ua2);
is_deeply(jwt_payload($token2 // 'x.e30.x')->{user_info},
          { username => 'quentin', email => 'quentin@example.org', full_name => 'Quentin Quality',
            groups => ['qa'] }, 'quentin\'s user_info');
($res, $reply) = rpc($base, 'workers/1', 'pause', {}, token => $token2, id => 5);
is($res->code, 403, 'quentin (group qa only) may not pause a worker: 403');
is($res->content, '{"jsonrpc": "2.0", "id": 5, "error": {"code": -32600, "message": "you need to have role \'admins\'"}}',
   '  Buildbot\'s JSON-RPC denial');
($res) = rpc($base, 'workers/1', 'pause', {});
is($res->code, 403, 'anonymous: 403');

# ---- the provider refuses a bad password: no session ----
{
    my $ua3 = browser();
    my ($p3, $d3, $m3) = login_flow($ua3, 'olga', 'wrong', '/');
    is($d3 && $d3->code, 403, 'a wrong password stays at the provider');
    ok(!$m3 && !session_of($ua3), 'and no Buildbot session is minted');
}

# ---- single sign-on: logout ends Buildbot's session only ----
{
    my $out = $ua->get("$base/auth/logout?redirect=/about");
    ok($out->is_success, 'logout');
    is_deeply(jwt_payload(session_of($ua) // 'x.e30.x')->{user_info}, { anonymous => JSON::PP::true },
              '  the Buildbot session is anonymous again');
    my $again = $ua->get("$base/auth/login?redirect=/about");
    my @c = chain($again);
    ok(!(grep { $_->request->uri =~ /^\Q$issuer\E/ } @c),
       'login again: mod_auth_openidc\'s own session answers, no trip to the provider');
    is(jwt_payload(session_of($ua) // 'x.e30.x')->{user_info}{username}, 'olga', '  olga is back');
}

# ---- /auth/login/<anything else> is the module's 404, behind the login ----
{
    my $r = $ua->get("$base/auth/login/other");
    is($r->code, 404, '/auth/login/other, authenticated by mod_auth_openidc\'s session: 404 as in Buildbot');
    is(scalar(grep { /^TWISTED_SESSION=/ } $r->headers->header('Set-Cookie')), 0, '  and no new session');
}

stop_op();
done_testing;

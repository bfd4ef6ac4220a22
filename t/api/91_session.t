# Sessions (spec/auth-session.md §1-3): login through Apache's Basic auth
# on /auth/login (hashed htpasswd entries), Buildbot's cookie and JWT, the
# /config user block, logout, and every kind of bad token read as anonymous.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use JSON::PP ();
use BBW::Test;
use BBW::Session;

plan tests => 98;

my $json = JSON::PP->new->allow_nonref;
my $base = server_url('bbw_login');
my $main = server_url();
my $secret = session_secret();
ok(defined $secret && $secret =~ /\A[0-9a-f]{32}\z/, 'the database holds a 32-hex session secret');

sub config_user {
    my ($url, @headers) = @_;
    my $res = http(GET => "$url/config", headers => \@headers);
    my $cfg = eval { $json->decode($res->content) } || {};
    return ($res, $cfg->{user}, $cfg);
}

# ---- login: Apache authenticates, the module mints Buildbot's cookie ----
{
    my ($res) = login($base);
    is($res->code, 401, 'no credentials: 401 from Apache');
    like($res->header('WWW-Authenticate') // '', qr/^Basic realm="buildbot"/i, 'realm buildbot');
    ($res) = login($base, 'admin', 'wrong');
    is($res->code, 401, 'wrong password: 401');
    is(scalar(() = $res->headers->header('Set-Cookie')), 0, 'no cookie on a failed login');
}

my %token;
for my $case (['admin', 'admin-pass', 'bcrypt'], ['dev', 'dev-pass', 'APR1-MD5'],
              ['viewer', 'viewer-pass', 'SHA-1'], ['alice@example.org', 'alice-pass', 'bcrypt']) {
    my ($user, $pass, $hash) = @$case;
    my $before = time;
    my ($res, $token) = login($base, $user, $pass, '/builders/1');
    is($res->code, 302, "$user ($hash entry): 302");
    is($res->header('Location'), "$base/#/builders/1", "$user: back to the page the UI asked for");
    my ($cookie) = grep { /^TWISTED_SESSION=/ } $res->headers->header('Set-Cookie');
    like($cookie // '', qr/^TWISTED_SESSION=[\w-]+\.[\w-]+\.[\w-]+; Path=\/; HttpOnly; SameSite=Lax\z/,
         "$user: cookie name and attributes (HttpOnly, SameSite=Lax, no Secure over http)");
    my ($header, $payload, $sig) = jwt_parts($token // '');
    is($header, '{"alg":"HS256","typ":"JWT"}', "$user: JWT header as PyJWT writes it");
    is(jwt_make($secret, $payload), $token, "$user: signed with the database's session secret");
    my $claims = eval { $json->decode($payload) } || {};
    like($payload, qr/\A\{"user_info":\{"username":"\Q$user\E","email":"\Q$user\E"\},"exp":\d+\}\z/,
         "$user: claims user_info then exp, compact");
    my $exp = $claims->{exp} // 0;
    ok($exp >= $before + 3600 && $exp <= time + 3600, "$user: exp = now + BuildbotCookieExpirationTime 1h");
    my (undef, $u) = config_user($base, cookie_header($token));
    is_deeply($u, { username => $user, email => $user }, "$user: /config user block from the cookie");
    $token{$user} = $token;
}

{
    my ($res) = login($base, 'admin', 'admin-pass');
    is($res->header('Location'), "$base/#/", 'no redirect parameter: #/');
    ($res) = login($base, 'admin', 'admin-pass', '%2Fbuilds%2F3');
    is($res->header('Location'), "$base/#/builds/3", 'redirect is percent-decoded');
    ($res) = login($base, 'admin', 'admin-pass', '/x%0d%0aSet-Cookie:%20evil=1');
    is($res->header('Location'), "$base/#/x", 'CR/LF and what follows are dropped');
    ok(!grep({ /evil/ } $res->headers->header('Set-Cookie')), 'no header injection');
    ($res) = login($base, 'admin', 'admin-pass', 'https://evil.example/');
    is($res->header('Location'), "$base/#https://evil.example/", 'redirect only ever lands in the fragment');
}

# ---- /config ----
{
    my ($res, $u, $cfg) = config_user($base);
    is($res->code, 200, '/config: 200');
    is($res->header('Content-Type'), 'application/json', '/config: Content-Type');
    is($res->header('Cache-Control'), 'private, no-cache', '/config: Cache-Control (it names the user)');
    like($res->header('Vary') // '', qr/\bCookie\b/, '/config: Vary: Cookie');
    is_deeply($u, { anonymous => JSON::PP::true }, 'no cookie: anonymous user');
    my @keys = $res->content =~ /(?:^\{|, )"(\w+)": /g;
    is_deeply([grep { !/^(?:name|anonymous)$/ } @keys],
              [qw(port plugins auth authz avatar_methods logfileName json_cache_seconds
                  rest_minimum_version cookie_expiration_time
                  versions buildbotURL title titleURL multiMaster user)],
              '/config: keys in Buildbot\'s order');
    is_deeply($cfg->{auth}, { name => 'HTPasswdAuth' }, 'auth descriptor from BuildbotAuth');
    is_deeply($cfg->{authz}, {}, 'authz is always {}');
    is_deeply($cfg->{avatar_methods}, { name => 'gravatar' }, 'default avatar_methods object');
    is($cfg->{cookie_expiration_time}, "'datetime.timedelta' not yet IConfigured",
       'cookie_expiration_time as Buildbot prints a timedelta');
    is($cfg->{buildbotURL}, "$base/", 'buildbotURL');
    is($cfg->{title}, 'Identity tests', 'title from BuildbotTitle');
    is($cfg->{titleURL}, 'http://buildbot.net', 'default titleURL');
    ok(JSON::PP::is_bool($cfg->{multiMaster}), 'multiMaster is a boolean');
    is($cfg->{versions}[0][0], 'Apache', 'versions start with Apache');
    is($cfg->{versions}[1][0], 'mod_bbwww', 'then mod_bbwww');
    like($res->content, qr/\A\{"port": \d+, "plugins": \{\}, "auth": \{"name": "HTPasswdAuth"\}/,
         'Python json.dumps separators');
    my (undef, undef, $maincfg) = config_user($main);
    is_deeply($maincfg->{auth}, { name => 'NoAuth' }, 'no BuildbotAuth: NoAuth');
    $res = http(POST => "$base/config");
    is($res->code, 405, 'POST /config: 405');
}

# ---- logout and the /auth URL space ----
{
    my $res = http(GET => "$base/auth/logout?redirect=/about", headers => [cookie_header($token{admin})]);
    is($res->code, 302, 'logout: 302');
    is($res->header('Location'), "$base/#/about", 'logout: redirect');
    my $anon = cookie_token($res);
    is_deeply(jwt_payload($anon // '')->{user_info}, { anonymous => JSON::PP::true },
              'logout: the cookie now holds an anonymous session');
    is(jwt_make($secret, (jwt_parts($anon))[1]), $anon, 'logout cookie signed with the secret');
    my (undef, $u) = config_user($base, cookie_header($anon));
    is_deeply($u, { anonymous => JSON::PP::true }, 'after logout: anonymous');
    is(http(POST => "$base/auth/logout")->code, 405, 'POST /auth/logout: 405');
    is(http(GET => "$base/auth")->code, 405, '/auth itself: 405');
    is(http(GET => "$base/auth/nothing")->code, 404, '/auth/<other>: 404');
    is(http(GET => "$main/auth/login")->code, 500, 'NoAuth site: /auth/login fails as Buildbot\'s does');
    like(http(GET => "$main/auth/login")->content, qr/Processing Failed/, 'with Twisted\'s page');
}

# ---- cookies minted elsewhere (any holder of the secret: the master) ----
{
    my $exp = time + 600;
    my $t = jwt_make($secret, qq({"user_info":{"username":"homer","realm":"CORP","email":"homer\@x"},"exp":$exp}));
    my (undef, $u) = config_user($base, cookie_header($t));
    is_deeply($u, { username => 'homer', realm => 'CORP', email => 'homer@x' },
              'a token signed with the secret elsewhere is a session here');
    $t = jwt_make($secret, q({"user_info":{"username":"noexp"}}));
    (undef, $u) = config_user($base, cookie_header($t));
    is_deeply($u, { username => 'noexp' }, 'a token without exp never expires (as PyJWT)');
    my ($res) = config_user($base, cookie_header($t));
    is(scalar(() = $res->headers->header('Set-Cookie')), 0, 'a valid cookie is not re-issued');
    $t = jwt_make($secret, qq({"user_info":{"username":"Z\\u00fc\\u00df"},"exp":$exp}));
    (undef, $u) = config_user($base, cookie_header($t));
    is($u->{username}, "Z\x{fc}\x{df}", 'non-ASCII user names survive');
}

# ---- every bad token is "no session", never an error page ----
{
    my $exp = time + 600;
    my $good = qq({"user_info":{"username":"mallory","email":"m\@x"},"exp":$exp});
    my $valid = jwt_make($secret, $good);
    my ($h, $p, $s) = split /\./, $valid;
    my %bad = (
        'expired'                => jwt_make($secret, q({"user_info":{"username":"m"},"exp":) . (time - 5) . '}'),
        'tampered payload'       => join('.', $h, b64url('{"user_info":{"username":"admin","email":"admin"},"exp":' . $exp . '}'), $s),
        'tampered signature'     => join('.', $h, $p, b64url('x' x 32)),
        'alg none, no signature' => join('.', b64url('{"alg":"none","typ":"JWT"}'), $p, ''),
        'alg none, HS signature' => jwt_make($secret, $good, '{"alg":"none","typ":"JWT"}'),
        'alg HS512'              => jwt_make($secret, $good, '{"alg":"HS512","typ":"JWT"}'),
        'alg hs256 (case)'       => jwt_make($secret, $good, '{"alg":"hs256","typ":"JWT"}'),
        'wrong key'              => jwt_make('0' x 32, $good),
        'hex-decoded key'        => jwt_make(pack('H*', $secret), $good),
        'two parts'              => "$h.$p",
        'four parts'             => "$valid.x",
        'not base64url'          => "$h.\$\$\$.$s",
        'payload not JSON'       => jwt_make($secret, 'user_info'),
        'payload a list'         => jwt_make($secret, '[1,2]'),
        'no user_info'           => jwt_make($secret, qq({"username":"m","exp":$exp})),
        'exp not a number'       => jwt_make($secret, q({"user_info":{"username":"m"},"exp":"tomorrow"})),
        'nbf in the future'      => jwt_make($secret, qq({"user_info":{"username":"m"},"nbf":) . (time + 3600) . '}'),
        'empty'                  => '',
        'huge, bad signature'    => join('.', $h, b64url('{"user_info":{"username":"' . ('a' x 5000) . '"}}'), $s),
        'garbage'                => '%%%==;;\xff\xfe',
    );
    for my $name (sort keys %bad) {
        my ($res, $u) = config_user($base, Cookie => "TWISTED_SESSION=$bad{$name}");
        is_deeply([$res->code, $u], [200, { anonymous => JSON::PP::true }], "bad token ($name): anonymous");
    }
    my ($res, $u) = config_user($base, Cookie => "TWISTED_SECURE_SESSION=$valid");
    is_deeply($u, { anonymous => JSON::PP::true }, 'the TLS cookie name is not read over http');
    ($res, $u) = config_user($base, Cookie => "other=1; TWISTED_SESSION=$bad{expired}; TWISTED_SESSION=$valid");
    is($u->{username}, 'mallory', 'an invalid cookie and a valid one of that name: the valid one counts');
    $res = http(GET => "$base/api/v2/builders", headers => [Cookie => "TWISTED_SESSION=$bad{'alg none, no signature'}"]);
    is($res->code, 200, 'a bad cookie does not disturb REST reads');
}

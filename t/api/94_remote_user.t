# A trusted front proxy names the user in a header (RemoteUserAuth,
# spec/auth-session.md §4.5). bbw_remote uses the default regex, which
# (unlike Buildbot's) accepts bare user names; bbw_remote_realm uses
# Buildbot's own regex, which needs user@realm.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use JSON::PP ();
use BBW::Test;
use BBW::Session;

my $json = JSON::PP->new->allow_nonref;
my $remote = server_url('bbw_remote');
my $realm = server_url('bbw_remote_realm');
my $secret = session_secret();

sub config {
    my ($base, @h) = @_;
    my $res = http(GET => "$base/config", headers => \@h);
    return ($res, (eval { $json->decode($res->content) } || {})->{user});
}

my ($res, $user) = config($remote, 'X-Remote-User' => 'homer');
is_deeply($user, { username => 'homer', realm => undef, email => 'homer' },
          'a bare name logs in (realm null), email = username');
my $token = cookie_token($res);
ok($token, 'and a session cookie goes out');
is_deeply(jwt_payload($token // '')->{user_info}, $user, 'the cookie holds that user');
is(jwt_make($secret, (jwt_parts($token))[1]), $token, 'signed with the session secret');

($res, $user) = config($remote, 'X-Remote-User' => 'homer', cookie_header($token));
is($user->{username}, 'homer', 'same header and cookie: same user');
is(scalar(() = $res->headers->header('Set-Cookie')), 0, 'no new cookie when nothing changed');

($res, $user) = config($remote, 'X-Remote-User' => 'marge@SPRINGFIELD', cookie_header($token));
is_deeply($user, { username => 'marge', realm => 'SPRINGFIELD', email => 'marge' },
          'another name in the header replaces the session\'s user');
ok(cookie_token($res), 'with a new cookie');

($res, $user) = config($remote, cookie_header($token));
is($user->{username}, 'homer', 'without the header the cookie still counts');
($res, $user) = config($remote);
is_deeply($user, { anonymous => JSON::PP::true }, 'no header, no cookie: anonymous');

($res) = http(GET => "$remote/auth/login?redirect=/workers", headers => ['X-Remote-User' => 'lisa']);
is($res->code, 302, '/auth/login with the header: 302');
is($res->header('Location'), "$remote/#/workers", 'to the page asked for');
is(jwt_payload(cookie_token($res) // '')->{user_info}{username}, 'lisa', 'lisa\'s session');
($res) = http(GET => "$remote/auth/login");
is($res->code, 403, '/auth/login without the header: 403');
is($res->content, 'missing http header X-Remote-User. Check your reverse proxy config!',
   'Buildbot\'s message');

($res) = http(GET => "$remote/api/v2/builders", headers => ['X-Remote-User' => 'bart']);
is($res->code, 200, 'REST reads with the header work');
is(jwt_payload(cookie_token($res) // '')->{user_info}{username}, 'bart', 'and log the user in');

# Buildbot's regex: user@realm only.
($res, $user) = config($realm, 'X-Forwarded-User' => 'homer@CORP');
is_deeply($user, { username => 'homer', realm => 'CORP', email => 'homer' }, 'user@realm matches');
($res, $user) = config($realm, 'X-Forwarded-User' => 'homer');
is_deeply($user, { anonymous => JSON::PP::true }, 'a bare name does not match Buildbot\'s regex');
($res) = http(GET => "$realm/auth/login", headers => ['X-Forwarded-User' => 'homer']);
is($res->code, 403, '/auth/login with a non-matching header: 403');
is($res->content, 'http header does not match regex! "homer" not matching (?P<username>[^ @]+)@(?P<realm>[^ @]+)',
   'Buildbot\'s message');
($res, $user) = config($realm, 'X-Forwarded-User' => "h\xffmer\@CORP");
is_deeply($user, { anonymous => JSON::PP::true }, 'a name that is not UTF-8 logs nobody in');

is_deeply((eval { $json->decode(http(GET => "$remote/config")->content) } || {})->{auth},
          { name => 'RemoteUserAuth' }, 'descriptor RemoteUserAuth');

done_testing;

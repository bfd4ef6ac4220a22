# LDAP (spec/auth-session.md §5.2 LdapUserInfo): login on the bbw_ldap vhost
# (t/conf/ldap.conf.in) checks the password with mod_authnz_ldap, then the
# module reads the user's info from the directory into the session; the
# `ldap` avatar method serves thumbnailPhoto. The directory is the slapd of
# build/slapd.sh (t/ldap/seed.ldif) on 127.0.0.1:$BBW_LDAP_PORT, started
# by build/test.sh.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use IO::Socket::INET ();
use JSON::PP ();
use MIME::Base64 ();
use BBW::Test;
use BBW::Session;

my $json = JSON::PP->new->allow_nonref;
my $base = server_url('bbw_ldap');
my $ldap_port = $ENV{BBW_LDAP_PORT} // 54389;

# The seeded thumbnailPhoto of ada: a 1x1 PNG.
my $ada_png = MIME::Base64::decode_base64(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGNQSFgAAAHEASFiX4r9AAAAAElFTkSuQmCC');

my $socket = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $ldap_port,
                                   Proto => 'tcp', Timeout => 3);
ok($socket, "slapd listens on 127.0.0.1:$ldap_port (build/slapd.sh start DIR $ldap_port)")
    or do { done_testing(); exit 0 };
close $socket;

# login_ok(USER, PASSWORD) -> (claims, raw payload, token): a successful
# login and Buildbot's cookie.
sub login_ok {
    my ($user, $password) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my $before = time;
    my ($res, $token) = login($base, $user, $password);
    is($res->code, 302, "$user: login 302");
    is($res->header('Location'), "$base/#/", "$user: back to the UI");
    my ($cookie) = grep { /^TWISTED_SESSION=/ } $res->headers->header('Set-Cookie');
    like($cookie // '', qr/^TWISTED_SESSION=[\w-]+\.[\w-]+\.[\w-]+; Path=\/; HttpOnly; SameSite=Lax\z/,
         "$user: session cookie");
    my (undef, $payload) = jwt_parts($token // '');
    my $claims = eval { $json->decode($payload // '') } || {};
    ok(($claims->{exp} // 0) > $before, "$user: exp in the future");
    return ($claims, $payload // '', $token);
}

sub config_user {
    my $token = shift;
    my $res = http(GET => "$base/config", headers => [ cookie_header($token) ]);
    is($res->code, 200, '/config: 200');
    my $cfg = eval { $json->decode($res->content) } || {};
    return $cfg->{user};
}

sub sorted_groups {
    my $info = shift;
    my $groups = $info->{groups};
    return ref $groups eq 'ARRAY' ? [ sort @$groups ] : $groups;
}

subtest 'ada: user info, extra field, two groups' => sub {
    my ($claims, $payload, $token) = login_ok('ada', 'ada-pass');
    my $info = $claims->{user_info} || {};
    is_deeply({ %$info, groups => sorted_groups($info) },
              { username => 'ada', full_name => 'Ada Admin', email => 'ada@example.org',
                employeeType => 'staff', groups => [ 'admins', 'developers' ] },
              'user_info from LDAP (groups compared sorted)');
    like($payload, qr/\A\{"user_info":\{"username":"ada","full_name":"Ada Admin","email":"ada\@example\.org","employeeType":"staff","groups":\[/,
         "keys in Buildbot's order: username, full_name, email, extra fields, groups");
    is_deeply(config_user($token), $info, '/config user = the session user_info');
};

subtest 'bob: one group, absent extra fields left out' => sub {
    my ($claims, undef, $token) = login_ok('bob', 'bob-pass');
    is_deeply($claims->{user_info},
              { username => 'bob', full_name => 'Bob Builder', email => 'bob@example.org',
                groups => [ 'developers' ] }, 'user_info');
    is_deeply(config_user($token), $claims->{user_info}, '/config user');
};

subtest 'carol: no groups; non-UTF-8 attribute bytes do not break the JSON' => sub {
    my ($claims, undef, $token) = login_ok('carol', 'carol-pass');
    is_deeply($claims->{user_info},
              { username => 'carol', full_name => 'Carol Viewer', email => 'carol@example.org',
                audio => "\x{FFFD}bad\x{FFFD}", groups => [] },
              'user_info: groups [], audio bytes ff/fe replaced by U+FFFD');
    is_deeply(config_user($token), $claims->{user_info}, '/config user');
};

subtest 'star*: the username is escaped in the filter' => sub {
    # Unescaped, (uid=star*) would also match "starling": two entries, 500.
    my ($claims) = login_ok('star*', 'star-pass');
    is_deeply($claims->{user_info},
              { username => 'star*', full_name => 'Star Asterisk', email => 'star@example.org',
                groups => [] }, 'exactly the star* entry');
};

subtest 'bad credentials' => sub {
    my ($res) = login($base, 'ada', 'wrong');
    is($res->code, 401, 'wrong password: 401');
    ok(!grep({ /^TWISTED_SESSION=/ } $res->headers->header('Set-Cookie')), 'no cookie');
    ($res) = login($base, 'nobody', 'x');
    is($res->code, 401, 'unknown user: 401');
    ($res) = login($base);
    is($res->code, 401, 'no credentials: 401');
};

subtest 'avatar from thumbnailPhoto' => sub {
    my $res = http(GET => "$base/avatar?username=ada");
    is($res->code, 200, '/avatar?username=ada: 200');
    is($res->header('Content-Type'), 'image/png', 'image/png by magic bytes');
    ok($res->content eq $ada_png, 'the seeded PNG bytes');
    $res = http(GET => "$base/avatar?email=ada%40example.org");
    is($res->code, 200, '/avatar?email=ada@example.org (avatarPattern): 200');
    ok($res->content eq $ada_png, 'same bytes by email');
    $res = http(GET => "$base/avatar?username=bob");
    is($res->code, 302, 'bob has no photo: 302');
    is($res->header('Location'), 'img/nobody.png', 'to the placeholder');
    $res = http(GET => "$base/avatar?email=*");
    is($res->code, 302, 'email "*" is escaped, matches nobody: placeholder');
};

done_testing();

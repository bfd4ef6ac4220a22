# Authz (spec/authz.md) as a table: users x endpoints x methods, reads and
# control calls, with the answer expected in each cell. The vhosts are in
# t/conf/identity.last.conf.in; none has a master, so a control call the
# rules allow ends in the 503 "no Buildbot master configured" (or in the
# endpoint's own answer), and a refused one in Buildbot's 403.
#
# Fixture facts used: builds 1 (legacy-win32), 3 (unit-tests), 12 (lint,
# owner alice@example.org), 13 (docs, owner "alice"); scheduler 1;
# build request 1; worker 1.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use JSON::PP ();
use BBW::Test;
use BBW::Session;

my $json = JSON::PP->new->allow_nonref;

my %login;
sub token_for {
    my ($vhost, $user) = @_;
    return undef if $user eq 'anon';
    my %pw = (admin => 'admin-pass', dev => 'dev-pass', viewer => 'viewer-pass',
              'alice@example.org' => 'alice-pass');
    return $login{"$vhost/$user"} //= (login(server_url($vhost), $user, $pw{$user}))[1];
}

# verdict(RESPONSE) -> 'allow' or "deny:<role>"
sub verdict {
    my $res = shift;
    return 'allow' unless $res->code == 403;
    my $body = eval { $json->decode($res->content) } || {};
    my $msg = ref $body->{error} ? $body->{error}{message} : $body->{error};
    return 'deny:' . (($msg // '') =~ /you need to have role '(.*)'\z/ ? $1 : "?($msg)");
}

sub read_cell {
    my ($vhost, $user, $method, $path) = @_;
    my $t = token_for($vhost, $user);
    return http($method => server_url($vhost) . "/api/v2/$path",
                headers => [Accept => 'application/json', $t ? cookie_header($t) : ()]);
}

sub rpc_cell {
    my ($vhost, $user, $path, $method, $params) = @_;
    my ($res) = rpc(server_url($vhost), $path, $method, $params || {}, token => token_for($vhost, $user));
    return $res;
}

my @users = qw(anon admin dev viewer alice@example.org);

# ---- bbw_authz: control rules, reads open ----
# [path, method, params, {user => verdict}]
my @control = (
    ['builds/1', 'stop', {},        { admin => 'allow', dev => 'deny:admins', viewer => 'deny:admins', 'alice@example.org' => 'deny:admins', anon => 'deny:admins' }],
    ['builds/12', 'stop', {},       { admin => 'allow', dev => 'allow', viewer => 'deny:admins', 'alice@example.org' => 'allow', anon => 'deny:admins' }],
    ['builds/12', 'Stop', {},       { admin => 'allow', dev => 'allow', viewer => 'deny:admins', 'alice@example.org' => 'allow', anon => 'deny:admins' }],
    ['builds/12', 'STOP', {},       { dev => 'allow', 'alice@example.org' => 'allow', viewer => 'deny:admins' }],
    ['builders/2/builds/3', 'stop', {}, { dev => 'allow', 'alice@example.org' => 'allow', viewer => 'deny:admins' }],
    ['builders/lint/builds/3', 'stop', {}, { dev => 'allow', viewer => 'deny:admins' }],
    ['builds/13', 'stop', {},       { 'alice@example.org' => 'deny:admins', dev => 'deny:admins', admin => 'allow' }],
    ['builds/12', 'rebuild', {},    { dev => 'allow', viewer => 'deny:admins', 'alice@example.org' => 'deny:admins', admin => 'allow' }],
    ['builds/3', 'rebuild', {},     { dev => 'deny:admins', admin => 'allow' }],
    ['builds/99999', 'stop', {},    { dev => 'deny:admins', 'alice@example.org' => 'deny:admins', admin => 'allow' }],
    ['schedulers/1', 'enable', { enabled => JSON::PP::false }, { dev => 'allow', admin => 'allow', viewer => 'deny:admins', anon => 'deny:admins' }],
    ['masters/1/schedulers/1', 'enable', { enabled => JSON::PP::true }, { dev => 'allow', viewer => 'deny:admins' }],
    ['forceschedulers/force', 'force', { builderNames => ['unit-tests'] }, { dev => 'deny:admins', admin => 'allow', anon => 'deny:admins' }],
    ['buildrequests/1', 'cancel', {}, { admin => 'allow', dev => 'deny:admins', anon => 'deny:admins' }],
    ['workers/1', 'pause', {},      { admin => 'allow', 'alice@example.org' => 'deny:admins', anon => 'deny:admins' }],
    ['builders', 'stop', {},        { admin => 'allow', dev => 'deny:admins' }],
    ['no/such/path', 'stop', {},    { admin => 'allow', dev => 'deny:admins', anon => 'deny:admins' }],
);
for my $row (@control) {
    my ($path, $method, $params, $expect) = @$row;
    for my $user (sort keys %$expect) {
        my $res = rpc_cell('bbw_authz', $user, $path, $method, $params);
        is(verdict($res), $expect->{$user}, "bbw_authz: $user POST $path $method");
        if ($expect->{$user} =~ /^deny:(.*)/) {
            my $id = 1;
            is($res->content, qq({"jsonrpc": "2.0", "id": $id, "error": {"code": -32600, "message": "you need to have role '$1'"}}),
               "  denial body");
        }
    }
}
# What "allow" led to, for a few cells: the call went on to the endpoint.
{
    my $res = rpc_cell('bbw_authz', 'admin', 'builds/1', 'stop');
    is($res->code, 503, 'allowed stop, no master: 503');
    like($res->content, qr/no Buildbot master configured/, '  with the reason');
    $res = rpc_cell('bbw_authz', 'admin', 'builders', 'stop');
    is($res->code, 501, 'allowed but unsupported: the endpoint\'s 501');
    $res = rpc_cell('bbw_authz', 'admin', 'no/such/path', 'stop');
    is($res->code, 404, 'allowed, unknown path: 404 after authz');
}

# Reads on bbw_authz are open to everyone, HEAD included (Buildbot would
# refuse HEAD to anonymous callers under AnyControlEndpoint).
for my $user (@users) {
    for my $method (qw(GET HEAD)) {
        my $res = read_cell('bbw_authz', $user, $method, 'builders');
        is($res->code, 200, "bbw_authz: $user $method builders: 200");
    }
}
{
    my $res = http(head => server_url('bbw_authz') . '/api/v2/builders');
    isnt($res->code, 403, 'a lower-case "head" method is no way around the rules either');
}

# ---- views/can.json: the same decisions, for the UI's buttons ----
{
    my @can = (
        # [user, path, actions, builderid, expected]
        ['dev',   'builds/12', 'stop,rebuild', undef, { stop => 1, rebuild => 1 }],
        ['dev',   'builds/1',  'stop,rebuild', undef, { stop => 0, rebuild => 1 }],  # legacy-win32 matches l*
        ['alice@example.org', 'builds/12', 'stop', undef, { stop => 1 }],
        ['alice@example.org', 'builds/13', 'stop', undef, { stop => 0 }],
        ['viewer', 'builds/12', 'stop,rebuild', undef, { stop => 0, rebuild => 0 }],
        ['anon',  'builds/12', 'stop', undef, { stop => 0 }],
        ['admin', 'builds/1',  'stop,rebuild', undef, { stop => 1, rebuild => 1 }],
        ['dev',   'schedulers/1', 'enable', undef, { enable => 1 }],
        ['dev',   'buildrequests/1', 'cancel', undef, { cancel => 0 }],
    );
    for my $c (@can) {
        my ($user, $path, $actions, $bid, $want) = @$c;
        my $t = token_for('bbw_authz', $user);
        my $res = http(GET => server_url('bbw_authz') . "/views/can.json?path=$path&actions=$actions"
                       . (defined $bid ? "&builderid=$bid" : ''), headers => [$t ? cookie_header($t) : ()]);
        my $got = eval { $json->decode($res->content) } || {};
        is_deeply({ map { $_ => $got->{$_} ? 1 : 0 } keys %$got }, $want,
                  "can.json: $user on $path ($actions) as the call would be judged");
    }
    my $res = http(GET => server_url('bbw_authz') . '/views/can.json?path=builds/12');
    is($res->code, 400, 'can.json without actions: 400');
    $res = http(GET => server_url('bbw_authz') . '/views/can.json?path=no/such&actions=stop');
    is($res->code, 404, 'can.json on an unknown path: 404');
    $res = http(GET => server_url('bbw_authz') . '/views/can.json?path=builds/1&actions=Stop%3Cx');
    is($res->code, 400, 'can.json with a bad action name: 400');
    is($res->header('Content-Type'), 'application/json', '  as JSON');
}

# ---- bbw_private: reads need a role; regex roles anchored at the start ----
my @private = (
    # [user, method, path, expected status or verdict]
    ['anon',   'GET',  'builders',     'deny:(reader|admin)'],
    ['anon',   'HEAD', 'builders',     'deny:(reader|admin)'],
    ['anon',   'GET',  'no/such/path', 'deny:(reader|admin)'],
    ['viewer', 'GET',  'builders',     200],
    ['viewer', 'HEAD', 'builds/1',     200],
    ['viewer', 'GET',  'no/such/path', 404],
    ['dev',    'GET',  'builds/3',     200],
    ['admin',  'GET',  'builders',     200],
    ['alice@example.org', 'GET', 'builders', 'deny:(reader|admin)'],
);
for my $row (@private) {
    my ($user, $method, $path, $want) = @$row;
    my $res = read_cell('bbw_private', $user, $method, $path);
    if ($want =~ /^deny:/ && $method eq 'HEAD') {
        is($res->code, 403, "bbw_private: $user HEAD $path refused");
        is($res->content, '', '  without a body');
    }
    elsif ($want =~ /^deny:/) {
        is(verdict($res), $want, "bbw_private: $user $method $path refused");
        is($res->header('Content-Type'), 'text/plain; charset=utf-8', '  as text/plain');
        (my $role = $want) =~ s/^deny://;
        is($res->content, qq({"error": "you need to have role '$role'"}), '  Buildbot\'s body');
    }
    else {
        is($res->code, $want, "bbw_private: $user $method $path: $want");
    }
}
{
    my $res = read_cell('bbw_private', 'viewer', 'GET', 'builders');
    is($res->header('Cache-Control'), 'private', 'answers that depend on the user: Cache-Control private');
    like($res->header('Vary') // '', qr/\bCookie\b/, '  and Vary: Cookie');
    ok($res->header('Expires'), '  json_cache_seconds still gives the browser its Expires');
}
is(verdict(rpc_cell('bbw_private', 'admin', 'builds/1', 'stop')), 'allow',
   'bbw_private: regex role "admin" matches the role "administrator"');
is(verdict(rpc_cell('bbw_private', 'dev', 'builds/1', 'stop')), 'deny:admin',
   'bbw_private: a reader may not stop builds');

done_testing;

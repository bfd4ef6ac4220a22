# Control end to end (issue 3): people log in through Apache's Basic auth
# against a real slapd, the module decides with Buildbot's authz, and what
# it allows reaches a real Buildbot master and worker through mod_proxy with
# a session cookie minted for the user. Everything runs on 127.0.0.1:
# slapd, the master (build/test.sh starts both) and Apache::Test's httpd.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use DBI ();
use IO::Socket::INET ();
use JSON::PP ();
use Time::HiRes ();
use BBW::Test;
use BBW::Session;

my $json = JSON::PP->new->allow_nonref;
my $live = server_url('bbw_live');
my $open = server_url('bbw_live_open');
my $master = "http://127.0.0.1:$ENV{BBW_MASTER_PORT}";
my $dbh = DBI->connect("dbi:SQLite:dbname=$ENV{BBW_LIVE_DB}", '', '',
                       { RaiseError => 1, PrintError => 0, sqlite_unicode => 1 });
$dbh->do('PRAGMA busy_timeout = 5000');
sub db_value { ($dbh->selectrow_array(@_))[0] }

sub get_json {
    my ($url, $token) = @_;
    my $res = http(GET => $url, headers => [Accept => 'application/json',
                                            $token ? cookie_header($token) : ()]);
    return ($res, eval { $json->decode($res->content) });
}

# Poll the module's REST until the build of a request finishes.
sub wait_for_build {
    my ($brid, %opt) = @_;
    my $deadline = time + ($opt{timeout} || 60);
    while (time < $deadline) {
        my (undef, $d) = get_json("$live/api/v2/builds?buildrequestid=$brid", $opt{token});
        my $b = $d && $d->{builds} && $d->{builds}[0];
        return $b if $b && ($opt{running} ? !$b->{complete} : $b->{complete});
        Time::HiRes::sleep(0.3);
    }
    return undef;
}

# ---- logging in: LDAP bind by Apache, user details from LDAP by the module ----
my %token;
for my $who (['ada', 'ada-pass', 'Ada Admin', ['admins', 'developers']],
             ['bob', 'bob-pass', 'Bob Builder', ['developers']],
             ['carol', 'carol-pass', 'Carol Viewer', []]) {
    my ($user, $pass, $name, $groups) = @$who;
    my ($res, $token) = login($live, $user, $pass);
    is($res->code, 302, "$user logs in with an LDAP password");
    my $info = jwt_payload($token // '')->{user_info} || {};
    is_deeply([@$info{qw(username full_name email)}, [sort @{ $info->{groups} || [] }]],
              [$user, $name, "$user\@example.org", $groups],
              "$user: the session holds LDAP's name, mail and groups");
    $token{$user} = $token;
}
is((login($live, 'ada', 'bob-pass'))[0]->code, 401, 'a wrong LDAP password is refused by Apache');

# ---- the force schedulers come from the master ----
my (undef, $fs) = get_json("$live/api/v2/forceschedulers", $token{bob});
is_deeply([sort map { $_->{name} } @{ $fs->{forceschedulers} || [] }], ['force', 'force-quick'],
          'GET /forceschedulers is answered by the master');
my (undef, $one) = get_json("$live/api/v2/forceschedulers/force", $token{ada});
is_deeply($one->{forceschedulers}[0]{builder_names}, ['quick', 'slow', 'secret'],
          'one force scheduler, with its builders');
my (undef, $anon_fs) = get_json("$live/api/v2/forceschedulers/force");
is_deeply($anon_fs->{forceschedulers}[0]{builder_names}, ['quick', 'slow'],
          'anonymous: the hidden builder is left out of the master\'s answer');
my ($hidden_parent) = get_json("$live/api/v2/builders/" . db_value("SELECT id FROM builders WHERE name = 'secret'") . '/forceschedulers');
my $hp = eval { $json->decode($hidden_parent->content) } || {};
is_deeply($hp->{forceschedulers}, [], 'anonymous: force schedulers of a hidden builder: none');

# ---- an admin forces a build; the worker runs it; REST shows it with its owner ----
my $buildsets = db_value('SELECT COUNT(*) FROM buildsets');
my ($res, $reply) = rpc($live, 'forceschedulers/force', 'force',
                        { builderNames => ['quick'], reason => 'from the test' },
                        token => $token{ada}, id => 'f1');
is($res->code, 200, 'ada forces a build: 200');
my ($bsid, $brids) = @{ $reply->{result} || [] };
ok($bsid && ref $brids eq 'HASH', 'result is [bsid, {builderid: brid}]');
is($reply->{id}, 'f1', 'the request id comes back');
my ($brid) = values %{ $brids || {} };
my $build = wait_for_build($brid, token => $token{ada});
ok($build, 'the build finished (seen through mod_bbwww)');
is($build && $build->{results}, 0, 'and succeeded');
my (undef, $props) = get_json("$live/api/v2/builds/$build->{buildid}/properties", $token{ada}) if $build;
is_deeply($props && $props->{properties}[0]{owner}, ['ada@example.org', 'Force Build Form'],
          'the owner is ada\'s email, from the minted session');
is(db_value('SELECT COUNT(*) FROM buildsets'), $buildsets + 1, 'exactly one buildset was added');

# ---- refusals reach nothing ----
$buildsets = db_value('SELECT COUNT(*) FROM buildsets');
($res, $reply) = rpc($live, 'forceschedulers/force', 'force', { builderNames => ['secret'] },
                     token => $token{bob}, id => 7);
is($res->code, 403, 'bob (developers) may not force "secret": 403');
is($res->content, '{"jsonrpc": "2.0", "id": 7, "error": {"code": -32600, "message": "you need to have role \'admins\'"}}',
   'the JSON-RPC denial as Buildbot words it');
($res) = rpc($live, 'forceschedulers/force', 'force', { builderNames => ['quick'] }, token => $token{carol});
is($res->code, 403, 'carol (no group) may not force: 403');
($res) = rpc($live, 'forceschedulers/force', 'force', { builderNames => ['quick'] });
is($res->code, 403, 'anonymous may not force: 403');
($res) = rpc($live, 'forceschedulers/force', 'force', { builderNames => ['quick'] },
             token => jwt_make('f' x 32, '{"user_info":{"username":"ada","email":"ada@example.org","groups":["admins"]}}'));
is($res->code, 403, 'a forged admin cookie is anonymous: 403');
# params.builderid as the master reads it (Python int() or a builder name):
# judged as the builder the master would force.
my $secret_id = db_value("SELECT id FROM builders WHERE name = 'secret'");
for my $bid ('secret', " +$secret_id", "0_$secret_id") {
    ($res) = rpc($live, 'forceschedulers/force', 'force', { builderid => $bid }, token => $token{bob});
    is($res->code, 403, "bob may not force \"secret\" named as builderid \"$bid\"");
}
($res, $reply) = rpc($live, 'forceschedulers/force', 'force', { builderid => 'no-such-builder' }, token => $token{ada});
is($res->code, 400, 'a builderid naming no builder is refused before the master');
is($reply->{error}{message}, 'builderid: no such builder', '  with the reason');
is(db_value('SELECT COUNT(*) FROM buildsets'), $buildsets, 'no buildset appeared for any refused call');
($res, $reply) = rpc($live, 'forceschedulers/force', 'force', { builderid => 'quick' }, token => $token{bob});
is($res->code, 200, 'bob forces "quick" named by name in builderid');
my ($qbrid) = values %{ ($reply->{result} || [])->[1] || {} };
ok(wait_for_build($qbrid, token => $token{bob}), 'and it runs');
$buildsets = db_value('SELECT COUNT(*) FROM buildsets');

# ---- owners: bob may stop his own build, carol may not ----
($res, $reply) = rpc($live, 'forceschedulers/force', 'force', { builderNames => ['slow'] },
                     token => $token{bob});
is($res->code, 200, 'bob may force "slow" (ForceBuild developers builder=slow)');
($brid) = values %{ ($reply->{result} || [])->[1] || {} };
my $running = wait_for_build($brid, running => 1, token => $token{bob});
ok($running, 'the slow build is running');
my $bid = $running ? $running->{buildid} : 0;
($res) = rpc($live, "builds/$bid", 'stop', { reason => 'carol tries' }, token => $token{carol});
is($res->code, 403, 'carol may not stop bob\'s build');
($res, $reply) = rpc($live, "builds/$bid", 'stop', { reason => 'owner stops it' }, token => $token{bob});
is($res->code, 200, 'bob stops his own build (RolesFromOwner)');
is_deeply($reply, { id => 1, jsonrpc => '2.0', result => undef }, 'stop result null');
my $stopped = wait_for_build($brid, token => $token{bob});
is($stopped && $stopped->{results}, 6, 'the build ended CANCELLED');

# ---- worker actions ----
my $wid = db_value("SELECT id FROM workers WHERE name = 'live-worker'");
($res) = rpc($live, "workers/$wid", 'pause', {}, token => $token{carol});
is($res->code, 403, 'carol may not pause the worker');
($res) = rpc($live, "workers/$wid", 'pause', { reason => 'test' }, token => $token{ada});
is($res->code, 200, 'ada pauses the worker');
my $paused;
for (1 .. 30) { last if ($paused = db_value('SELECT paused FROM workers WHERE id = ?', undef, $wid)); Time::HiRes::sleep(0.2) }
is($paused, 1, 'the master recorded the pause');
rpc($live, "workers/$wid", 'unpause', {}, token => $token{ada});
for (1 .. 30) { last unless db_value('SELECT paused FROM workers WHERE id = ?', undef, $wid); Time::HiRes::sleep(0.2) }
is(db_value('SELECT paused FROM workers WHERE id = ?', undef, $wid), 0, 'and unpauses it');

# ---- cookies cross between the master and mod_bbwww, both ways ----
{
    my ($mres, $mtoken) = login($master, 'homer', 'doh');
    ok($mtoken, 'the master issues its own session cookie');
    my (undef, $cfg) = get_json("$live/config", $mtoken);
    is_deeply($cfg->{user}, { username => 'homer', email => 'homer' },
              'mod_bbwww reads the master\'s cookie');
    my (undef, $mcfg) = get_json("$master/config", $token{ada});
    is($mcfg->{user}{email}, 'ada@example.org', 'the master reads mod_bbwww\'s cookie');
    is_deeply($mcfg->{user}{groups} && [sort @{ $mcfg->{user}{groups} }], ['admins', 'developers'],
              'with the LDAP groups');
}

# ---- read-level visibility on the live site ----
{
    my (undef, $anon) = get_json("$live/api/v2/builders");
    is_deeply([sort map { $_->{name} } @{ $anon->{builders} }], ['quick', 'slow'],
              'anonymous sees the public builders only');
    my (undef, $adm) = get_json("$live/api/v2/builders", $token{ada});
    is_deeply([sort map { $_->{name} } @{ $adm->{builders} }], ['quick', 'secret', 'slow'],
              'an admin sees every builder');
}

# ---- an anonymous control call through a site without rules ----
{
    my ($r2, $d2) = rpc($open, 'forceschedulers/force-quick', 'force',
                        { username => 'Anon Ymous <anon@example.org>' });
    is($r2->code, 200, 'no rules: anonymous force reaches the master');
    my ($brid2) = values %{ ($d2->{result} || [])->[1] || {} };
    my $b2 = wait_for_build($brid2);
    my (undef, $p2) = $b2 ? get_json("$open/api/v2/builds/$b2->{buildid}/properties") : ();
    is_deeply($p2 && $p2->{properties}[0]{owner}, ['Anon Ymous <anon@example.org>', 'Force Build Form'],
              'an anonymous build\'s owner is the form\'s name, as Buildbot does');
    my ($r3, $d3) = rpc($open, 'forceschedulers/force', 'force',
                        { builderNames => ['quick'], username => 'not an email' });
    is($r3->code, 400, 'the master\'s own form validation comes back unchanged');
    is($d3->{error}{code}, -32602, 'with its JSON-RPC code');
}

# ---- the websocket reaches the master ----
{
    my ($host, $port) = $live =~ m{//([^:/]+):(\d+)};
    my $s = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Timeout => 10);
    print $s "GET /ws HTTP/1.1\r\nHost: $host:$port\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           . "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    my $head = '';
    while (defined(my $line = <$s>)) { $head .= $line; last if $line eq "\r\n" }
    like($head, qr{\AHTTP/1\.1 101 }, '/ws upgrades (mod_proxy to the master)');
    like($head, qr{Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=}i, 'RFC 6455 accept key');
    my $payload = '{"cmd":"ping","_id":42}';
    my @mask = (1, 2, 3, 4);
    my $masked = join '', map { chr(ord(substr($payload, $_, 1)) ^ $mask[$_ % 4]) } 0 .. length($payload) - 1;
    print $s chr(0x81) . chr(0x80 | length $payload) . pack('C4', @mask) . $masked;
    my $frame = '';
    $s->sysread($frame, 2);
    my $len = length($frame) == 2 ? ord(substr($frame, 1, 1)) & 0x7f : 0;
    my $data = '';
    $s->sysread($data, $len) if $len;
    is_deeply(eval { $json->decode($data) }, { msg => 'pong', code => 200, _id => 42 },
              'Buildbot\'s websocket protocol answers through the tunnel');
    close $s;
    my $plain = http(GET => "$live/ws");
    is($plain->code, 426, 'a plain GET of /ws gets the master\'s 426');
}

done_testing();

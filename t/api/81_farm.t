# A web farm (conf/examples/farm/): node A is the Apache::Test server (vhost
# bbw_farm of t/conf/farm.last.conf.in), node B a second Apache started here,
# with its own ServerRoot, port and processes, on the same database (on
# PostgreSQL exactly the farm of the example: two Apache instances, one
# PostgreSQL). A login on either node is recognized by the other: the
# session secret is the database's. Node B also writes Buildbot's access log
# with the LogFormat of conf/examples/logging.conf through rotatelogs, which
# must rotate it at the configured size and keep the configured file count.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use JSON::PP ();
use File::Temp ();
use File::Spec ();
use IO::Socket::INET ();
use POSIX ();
use Time::Local ();
use Apache::Test ();
use BBW::Test qw(server_url);
use BBW::Session;

my $json = JSON::PP->new->allow_nonref;
my $t_dir = File::Spec->rel2abs(Apache::Test::vars('serverroot'));
my $top = File::Spec->rel2abs("$t_dir/..");
my $guard = File::Spec->catfile(Apache::Test::vars('t_logs'), 'farm-node-b.pid');

# ------------------------------------------------------------ node B
my ($node_pid, $node_dir);

sub stop_node {
    return unless $node_pid;
    my $pid = $node_pid;
    undef $node_pid;
    kill 'TERM', $pid;
    for (1 .. 100) {
        return unlink $guard if waitpid($pid, POSIX::WNOHANG()) != 0;
        select undef, undef, undef, 0.1;
    }
    kill 'KILL', $pid;
    waitpid $pid, 0;
    unlink $guard;
}
END { my $rc = $?; stop_node(); $? = $rc }
$SIG{$_} = sub { stop_node(); exit 1 } for qw(INT TERM HUP);

# A node B left by an interrupted run of this file.
if (open my $fh, '<', $guard) {
    my $old = <$fh>;
    close $fh;
    if ($old && $old =~ /\A(\d+)/ && kill(0, $1)) {
        my $cmd = do { local $/; open my $c, '<', "/proc/$1/cmdline" or undef; $c ? <$c> : '' };
        kill 'TERM', $1 if ($cmd // '') =~ /bbw-farm-/;
    }
    unlink $guard;
}

sub free_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1,
                                  ReuseAddr => 1) or die "no free port: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}

sub slurp {
    my $file = shift;
    open my $fh, '<', $file or return undef;
    local $/;
    return scalar <$fh>;
}

# The lines node A's bbw_farm vhost has between "BEGIN node" and "END node".
my $farm_conf = slurp("$t_dir/conf/farm.last.conf.in") // '';
my ($node_lines) = $farm_conf =~ /^[ \t]*# BEGIN node\n(.*?)^[ \t]*# END node\n/ms;
ok($node_lines, 't/conf/farm.last.conf.in has the node lines') or BAIL_OUT('no node lines');
$node_lines =~ s/\@ServerRoot\@/$t_dir/g;

# Buildbot's access log as conf/examples/logging.conf writes it, with a tiny
# logRotateLength (2000 bytes) and maxRotatedFiles 2 (-n 3).
my $logging = slurp("$top/conf/examples/logging.conf") // '';
my ($logformat) = $logging =~ /^(LogFormat .* buildbot)$/m;
my ($customlog) = $logging =~ /^(CustomLog "\|.*" buildbot)$/m;
ok($logformat, 'logging.conf: LogFormat ... buildbot');
like($customlog // '', qr{^CustomLog "\|/usr/bin/rotatelogs -D -L /var/log/apache2/buildbot/http\.log -n 11 /var/log/apache2/buildbot/rotated/http\.log 10000000B" buildbot$},
     'logging.conf: http.log always current (-L), -n 11 (current + 10 rotated), 10000000B (the master default)');

$node_dir = File::Temp::tempdir('bbw-farm-XXXXXX', TMPDIR => 1, CLEANUP => 1);
mkdir "$node_dir/logs" or die "mkdir: $!";
my $log_dir = "$node_dir/logs/buildbot";
my $node_customlog = $customlog // '';
$node_customlog =~ s{ -n 11 }{ -n 3 }
    and $node_customlog =~ s{/var/log/apache2/buildbot/}{$log_dir/}g
    and $node_customlog =~ s{ 10000000B"}{ 2000B"}
    or BAIL_OUT('cannot adapt the CustomLog line of logging.conf');

my $port = free_port();
my $url_b = "http://127.0.0.1:$port";
my $driver = $ENV{BBW_DBD_DRIVER} // 'sqlite3';
my $params = $ENV{BBW_DBD_PARAMS} // "$top/work/test/state.sqlite";
my $modules = join '', map { "LoadModule ${_}_module /usr/lib/apache2/modules/mod_$_.so\n" }
    qw(mpm_event authz_core authn_core authn_file auth_basic authz_user dbd);
my $conf = "$node_dir/httpd.conf";
open my $cfh, '>', $conf or die "$conf: $!";
print $cfh <<"EOF";
# Node B of t/api/81_farm.t (generated).
ServerRoot "$node_dir"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile "$node_dir/logs/httpd.pid"
DefaultRuntimeDir "$node_dir/logs"
ErrorLog "$node_dir/logs/error_log"
LogLevel info
StartServers 1
ServerLimit 2
ThreadsPerChild 8
MaxRequestWorkers 16
MinSpareThreads 4
MaxSpareThreads 16
$modules
LoadModule bbwww_module "$top/mod_bbwww/.libs/mod_bbwww.so"

DBDriver $driver
DBDParams "$params"

BuildbotURL $url_b/
<Location "/">
    SetHandler bbwww
</Location>
$node_lines
$logformat
$node_customlog
EOF
close $cfh;

# Started as the test's own user (never root), TZ=UTC as logging.conf
# recommends; stopped by stop_node() whatever happens (END, signals).
$node_pid = fork // die "fork: $!";
if (!$node_pid) {
    open STDIN, '<', '/dev/null';
    open STDOUT, '>', "$node_dir/logs/stdout";
    open STDERR, '>&', \*STDOUT;
    $ENV{TZ} = 'UTC';
    exec(Apache::Test::vars('httpd') || '/usr/sbin/apache2', '-d', $node_dir, '-f', $conf, '-DFOREGROUND') or POSIX::_exit(127);
}
if (open my $g, '>', $guard) { print $g "$node_pid\n"; close $g }

my $up;
for (1 .. 150) {
    last if waitpid($node_pid, POSIX::WNOHANG()) != 0;
    my $res = http(GET => "$url_b/config");
    if ($res->code == 200) { $up = 1; last }
    select undef, undef, undef, 0.1;
}
ok($up, "node B answers on $url_b") or do {
    diag(slurp("$node_dir/logs/stdout") // '', slurp("$node_dir/logs/error_log") // '');
    undef $node_pid if waitpid($node_pid, POSIX::WNOHANG()) != 0;
    done_testing;
    exit;
};
isnt($node_pid, $$, 'node B is a process of its own');
is((stat "$node_dir/logs/httpd.pid")[4], $<, 'node B runs as the test user (its pid file is ours)');

# ------------------------------------------------------------ sessions
my $url_a = server_url('bbw_farm');
my $secret = session_secret();
ok(defined $secret, 'the database holds the session secret');

sub config_user {
    my ($url, $token) = @_;
    my $res = http(GET => "$url/config", headers => [ $token ? cookie_header($token) : () ]);
    my $cfg = eval { $json->decode($res->content) } || {};
    return $cfg->{user};
}

sub private_read {
    my ($url, $token) = @_;
    return http(GET => "$url/api/v2/builders", headers => [
        Accept => 'application/json', $token ? cookie_header($token) : () ]);
}

for my $case ([A => $url_a, B => $url_b, 'viewer', 'viewer-pass'],
              [A => $url_a, B => $url_b, 'admin', 'admin-pass'],
              [B => $url_b, A => $url_a, 'dev', 'dev-pass']) {
    my ($from, $from_url, $to, $to_url, $user, $pass) = @$case;
    my ($res, $token) = login($from_url, $user, $pass);
    is($res->code, 302, "$user logs in on node $from");
    ok($token, "  node $from sets TWISTED_SESSION") or next;
    my (undef, $payload) = jwt_parts($token);
    is(jwt_make($secret // '', $payload), $token, "  signed with the database's session secret");
    is_deeply(config_user($to_url, $token), { username => $user, email => $user },
              "node $to: /config user block is $user (cookie from node $from)");
    is_deeply(config_user($from_url, $token), { username => $user, email => $user },
              "node $from: /config user block is $user");
    is(private_read($to_url, $token)->code, 200,
       "node $to: the authz-protected read is allowed to $user");
}
{
    my $res = private_read($url_b);
    is($res->code, 403, 'node B: the same read refused to anonymous');
    is($res->content, q({"error": "you need to have role '(reader|admin)'"}), '  Buildbot\'s body');
    is(private_read($url_a)->code, 403, 'node A: refused to anonymous too');
    my ($r, $alice) = login($url_a, 'alice@example.org', 'alice-pass');
    is(private_read($url_b, $alice)->code, 403, 'node B: a user without the role is refused');
    is(private_read($url_b, $alice . 'x')->code, 403, 'node B: a tampered cookie is anonymous');
    is_deeply(config_user($url_b, $alice), { username => 'alice@example.org', email => 'alice@example.org' },
              'node B: /config knows alice (cookie from node A)');
}

# ------------------------------------------------------------ access log
# raw(REQUEST_TEXT) -> (status, body): exactly the bytes given, on node B.
sub raw {
    my $text = shift;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Timeout => 30)
        or die "connect: $!";
    print $s $text;
    local $/;
    my $answer = <$s> // '';
    close $s;
    my ($head, $body) = split /\r\n\r\n/, $answer, 2;
    my ($status) = ($head // '') =~ m{^HTTP/\d\.\d (\d{3})};
    return ($status // 0, $body // '');
}

my $log = "$log_dir/http.log";
my $field = qr/"((?:[^"\\]|\\.)*)"/;
my $line_re = qr{^"([0-9.]+)" - - \[(\d\d)/(\w{3})/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-]\d{4})\] $field (\d{3}) (\d+|-) $field $field$};
my %month = (Jan => 0, Feb => 1, Mar => 2, Apr => 3, May => 4, Jun => 5, Jul => 6,
             Aug => 7, Sep => 8, Oct => 9, Nov => 10, Dec => 11);

# log_line(MARKER) -> the line of node B's current http.log holding MARKER.
sub log_line {
    my $marker = shift;
    for (1 .. 50) {
        my @hit = grep { index($_, $marker) >= 0 } split /\n/, slurp($log) // '';
        return $hit[-1] if @hit;
        select undef, undef, undef, 0.1;
    }
    return undef;
}

my $tag = "farm$$";
my $t0 = time;
my ($st_get, $body_get) = raw("GET /config?from=$tag-get HTTP/1.1\r\nHost: 127.0.0.1:$port\r\n"
    . "Referer: http://ref.example/page?x=1\r\nUser-Agent: farm \"test\" agent\\1.0 \xc3\xa9\r\n"
    . "Connection: close\r\n\r\n");
my ($st_head) = raw("HEAD /config?from=$tag-head HTTP/1.1\r\nHost: 127.0.0.1:$port\r\n"
    . "User-Agent: farm-head\r\nConnection: close\r\n\r\n");
my ($st_bare) = raw("GET /api/v2/builders?from=$tag-bare HTTP/1.0\r\n\r\n");
my ($st_login) = raw("GET /auth/login?from=$tag-login HTTP/1.1\r\nHost: 127.0.0.1:$port\r\n"
    . "Authorization: Basic dmlld2VyOnZpZXdlci1wYXNz\r\nConnection: close\r\n\r\n");
my $t1 = time;
is($st_get, 200, 'GET /config on node B: 200');
is($st_login, 302, 'login on node B: 302');

{
    my $line = log_line("from=$tag-get");
    ok($line, 'the GET is in node B\'s http.log') or diag(slurp($log) // "(no $log)");
    my @f = ($line // '') =~ $line_re;
    ok(@f, "Buildbot's combined format: $line");
    my ($ip, $d, $mon, $y, $h, $mi, $s, $zone, $req, $status, $bytes, $ref, $agent) = @f;
    is($ip, '127.0.0.1', '  client IP (the TCP peer) in double quotes');
    is($zone, '+0000', '  time in UTC, "+0000"');
    my $when = eval { Time::Local::timegm($s, $mi, $h, $d, $month{$mon}, $y) } // 0;
    ok($when >= $t0 - 1 && $when <= $t1 + 1, '  [dd/Mon/yyyy:HH:MM:SS +0000] is the time of the request');
    is($req, "GET /config?from=$tag-get HTTP/1.1", '  the request line, raw URI with the query');
    is($status, 200, '  final status');
    is($bytes, length $body_get, '  body bytes sent');
    is($ref, 'http://ref.example/page?x=1', '  Referer');
    is($agent, 'farm \"test\" agent\\\\1.0 \xc3\xa9',
       '  User-Agent escaped as Python repr does: \" \\\\ \xNN');
}
{
    my $line = log_line("from=$tag-head") // '';
    like($line, qr{^"127\.0\.0\.1" - - \[[^]]+\] "HEAD /config\?from=$tag-head HTTP/1\.1" 200 - "-" "farm-head"$},
         'HEAD: no body bytes is "-", no Referer is "-"');
    $line = log_line("from=$tag-bare") // '';
    like($line, qr{^"127\.0\.0\.1" - - \[[^]]+\] "GET /api/v2/builders\?from=$tag-bare HTTP/1\.0" 403 \d+ "-" "-"$},
         'no Referer and no User-Agent: "-" "-" (and the 403 of the refused read)');
    $line = log_line("from=$tag-login") // '';
    like($line, qr{^"127\.0\.0\.1" - - \[[^]]+\] "GET /auth/login\?from=$tag-login HTTP/1\.1" 302 (?:\d+|-) "-" "-"$},
         'a Basic-authenticated login: the user is not logged ("- -"), as Buildbot');
    is($st_head, 200, 'HEAD answered 200');
    is($st_bare, 403, 'anonymous read on node B answered 403');
}

# Rotation at logRotateLength (2000 bytes here), maxRotatedFiles 2 (-n 3):
# http.log is always the file being written (a hard link), rotated/ holds
# it and at most two older files, each cut once it passed the size.
{
    my $pad = 'p' x 120;
    my $n = 60;
    for my $i (1 .. $n) {
        raw(sprintf "GET /config?rot=%s-%03d&pad=%s HTTP/1.0\r\nUser-Agent: rot\r\n\r\n", $tag, $i, $pad);
        # rotatelogs checks the size before each write it makes; lines that
        # wait in the pipe together are written at once. Give it time to
        # read them one by one (and allow a few together below).
        select undef, undef, undef, 0.02;
    }
    my $last = log_line(sprintf 'rot=%s-%03d', $tag, $n);
    opendir my $dh, "$log_dir/rotated" or die "$log_dir/rotated: $!";
    my @files = sort grep { /^http\.log/ } readdir $dh;
    closedir $dh;
    ok($last, 'the last request is in http.log') or diag(map {
        my @m = (slurp("$log_dir/rotated/$_") // '') =~ /rot=\w+-(\d+)/g;
        sprintf "rotated/%s: %d bytes, requests %s\n", $_, -s "$log_dir/rotated/$_", join(',', @m);
    } @files);
    is_deeply(\@files, [ 'http.log', 'http.log.1', 'http.log.2' ],
              'rotated/ holds 3 files: the current one and 2 rotated (maxRotatedFiles 2), no more');
    my $current_inode = (stat $log)[1] // -1;
    my @current = grep { (stat "$log_dir/rotated/$_")[1] == $current_inode } @files;
    is(scalar @current, 1, 'http.log is a hard link to one of them (the one being written)');
    my ($longest, @all) = (0);
    for my $f (@files) {
        my @lines = split /\n/, slurp("$log_dir/rotated/$f") // '';
        push @all, @lines;
        $longest = length($_) + 1 > $longest ? length($_) + 1 : $longest for @lines;
    }
    for my $f (grep { $_ ne ($current[0] // '') } @files) {
        my $size = -s "$log_dir/rotated/$f";
        ok($size > 2000 && $size <= 2000 + 4 * $longest,
           "rotated/$f was cut once it passed 2000 bytes ($size bytes, lines up to $longest)");
    }
    my $size = -s $log // 0;
    ok($size <= 2000 + 4 * $longest, "the current file is within the size as well ($size bytes)");
    ok(!grep({ /rot=$tag-001&/ } @all), 'the oldest lines were dropped with the oldest file');
    is(scalar(grep { !/$line_re/ } @all), 0, 'every kept line is in Buildbot\'s format');
}

my $errors = join '', grep { /\[[\w.]*:(?:error|crit|alert|emerg)\]/ && !/AH0161[78]:/ }
    split /^/, slurp("$node_dir/logs/error_log") // '';
is($errors, '', 'node B\'s error_log has no error lines');

my $was = $node_pid;
stop_node();
ok(!kill(0, $was), 'node B stopped');

done_testing;

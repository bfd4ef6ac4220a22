# www key `port` with TLS and HTTP/2 (conf/examples/tls-http2.conf), and
# Apache behind a TLS-terminating proxy (conf/examples/behind-proxy.conf):
# a third Apache started here with mod_ssl and mod_http2 on a loopback port,
# a self-signed certificate made by this test, the suite's database. Login
# over TLS gives TWISTED_SECURE_SESSION with Secure, HTTP/2 is negotiated,
# BuildbotURL says https. The proxy vhost (plain http, ServerName https://...,
# mod_remoteip) behaves as https towards the browser and logs the client.
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
use Apache::Test ();
use BBW::Test qw(server_url);
use BBW::Session;

my $json = JSON::PP->new->allow_nonref;
my $t_dir = File::Spec->rel2abs(Apache::Test::vars('serverroot'));
my $top = File::Spec->rel2abs("$t_dir/..");

for my $need ('/usr/bin/openssl', '/usr/bin/curl', '/usr/lib/apache2/modules/mod_ssl.so',
              '/usr/lib/apache2/modules/mod_http2.so') {
    plan skip_all => "$need is missing" unless -e $need;
}

# ------------------------------------------------------------ the node
my ($pid, $dir);
sub stop_node {
    return unless $pid;
    my $p = $pid;
    undef $pid;
    kill 'TERM', $p;
    for (1 .. 100) {
        return if waitpid($p, POSIX::WNOHANG()) != 0;
        select undef, undef, undef, 0.1;
    }
    kill 'KILL', $p;
    waitpid $p, 0;
}
END { my $rc = $?; stop_node(); $? = $rc }
$SIG{$_} = sub { stop_node(); exit 1 } for qw(INT TERM HUP);

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

$dir = File::Temp::tempdir('bbw-tls-XXXXXX', TMPDIR => 1, CLEANUP => 1);
mkdir "$dir/logs" or die "mkdir: $!";

my $openssl = system("/usr/bin/openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1"
    . " -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1"
    . " -keyout '$dir/key.pem' -out '$dir/cert.pem' >'$dir/openssl.log' 2>&1") == 0;
ok($openssl, 'self-signed certificate made with openssl req -x509') or BAIL_OUT('openssl');

my $tls_port = free_port();
my $proxied_port = free_port();
my $tls = "https://127.0.0.1:$tls_port";
my $proxied = "http://127.0.0.1:$proxied_port";
my $driver = $ENV{BBW_DBD_DRIVER} // 'sqlite3';
my $params = $ENV{BBW_DBD_PARAMS} // "$top/work/test/state.sqlite";
my $modules = join '', map { "LoadModule ${_}_module /usr/lib/apache2/modules/mod_$_.so\n" }
    qw(mpm_event authz_core authn_core authn_file auth_basic authz_user dbd
       socache_shmcb ssl http2 remoteip);
my $login = <<"EOF";
    BuildbotAuth HTPasswdAuth
    <Location "/auth/login">
        AuthType Basic
        AuthName buildbot
        AuthBasicProvider file
        AuthUserFile $t_dir/conf/htpasswd
        Require valid-user
    </Location>
EOF
my $conf = "$dir/httpd.conf";
open my $cfh, '>', $conf or die "$conf: $!";
print $cfh <<"EOF";
# TLS node of t/api/81_tls.t (generated).
ServerRoot "$dir"
ServerName 127.0.0.1
PidFile "$dir/logs/httpd.pid"
DefaultRuntimeDir "$dir/logs"
ErrorLog "$dir/logs/error_log"
LogLevel info ssl:warn http2:warn
StartServers 1
ServerLimit 2
ThreadsPerChild 8
MaxRequestWorkers 16
MinSpareThreads 4
MaxSpareThreads 16
$modules
LoadModule bbwww_module "$top/mod_bbwww/.libs/mod_bbwww.so"
SSLSessionCache "shmcb:$dir/logs/ssl_scache(512000)"

DBDriver $driver
DBDParams "$params"
<Location "/">
    SetHandler bbwww
</Location>

# tls-http2.conf: port → Listen, TLS, HTTP/2.
Listen 127.0.0.1:$tls_port https
<VirtualHost 127.0.0.1:$tls_port>
    ServerName 127.0.0.1
    Protocols h2 http/1.1
    SSLEngine on
    SSLCertificateFile "$dir/cert.pem"
    SSLCertificateKeyFile "$dir/key.pem"
    BuildbotURL $tls/
$login
</VirtualHost>

# behind-proxy.conf: a proxy in front terminates TLS for ci.example.test.
Listen 127.0.0.1:$proxied_port
<VirtualHost 127.0.0.1:$proxied_port>
    ServerName https://ci.example.test:443
    UseCanonicalName On
    RemoteIPHeader X-Forwarded-For
    RemoteIPInternalProxy 127.0.0.1
    BuildbotURL https://ci.example.test/
$login
    LogFormat "%a %{c}a \\"%r\\"" clients
    CustomLog "$dir/logs/proxied_log" clients
</VirtualHost>
EOF
close $cfh;

$pid = fork // die "fork: $!";
if (!$pid) {
    open STDIN, '<', '/dev/null';
    open STDOUT, '>', "$dir/logs/stdout";
    open STDERR, '>&', \*STDOUT;
    exec(Apache::Test::vars('httpd') || '/usr/sbin/apache2', '-d', $dir, '-f', $conf, '-DFOREGROUND') or POSIX::_exit(127);
}

# curl(ARGS...) -> (status, headers text, body, http_version)
sub curl {
    my @args = @_;
    my $hdr = "$dir/curl.h";
    my $body = "$dir/curl.b";
    unlink $hdr, $body;
    open my $fh, '-|', '/usr/bin/curl', '-s', '-k', '--max-time', '30', '-D', $hdr, '-o', $body,
        '-w', '%{http_code} %{http_version}', @args or die "curl: $!";
    my $out = do { local $/; <$fh> } // '';
    close $fh;
    my ($code, $version) = split ' ', $out;
    return ($code // 0, slurp($hdr) // '', slurp($body) // '', $version // '');
}

my $up;
for (1 .. 150) {
    last if waitpid($pid, POSIX::WNOHANG()) != 0;
    my ($code) = curl("$tls/config");
    if ($code == 200) { $up = 1; last }
    select undef, undef, undef, 0.1;
}
ok($up, "the TLS node answers on $tls") or do {
    diag(slurp("$dir/logs/stdout") // '', slurp("$dir/logs/error_log") // '');
    undef $pid if waitpid($pid, POSIX::WNOHANG()) != 0;
    done_testing;
    exit;
};

sub config_of {
    my $body = shift;
    return eval { $json->decode($body) } || {};
}

my $h2 = `/usr/bin/curl -V` =~ /\bHTTP2\b/;
my @h2 = $h2 ? ('--http2') : ();

# ---- HTTP/2 and HTTP/1.1 over TLS ----
SKIP: {
    skip 'this curl has no HTTP/2', 2 unless $h2;
    my ($code, undef, $body, $version) = curl('--http2', "$tls/config");
    is($code, 200, '/config over TLS with HTTP/2: 200');
    is($version, '2', 'HTTP/2 negotiated (ALPN h2)');
}
{
    my ($code, undef, $body, $version) = curl('--http1.1', "$tls/config");
    is($code, 200, '/config over TLS with HTTP/1.1: 200');
    is($version, '1.1', 'HTTP/1.1 still offered');
    my $cfg = config_of($body);
    is($cfg->{buildbotURL}, "$tls/", 'BuildbotURL https in /config');
    is_deeply($cfg->{user}, { anonymous => JSON::PP::true }, 'anonymous without a cookie');
    ($code, undef, $body) = curl("$tls/api");
    like($body, qr{"v2": "\Q$tls\E/api/v2"}, '/api links are https');
}

# ---- login over TLS: the secure cookie ----
my $secret = session_secret();
my $token;
{
    my ($code, $headers, undef, $version) = curl(@h2, '-u', 'admin:admin-pass', "$tls/auth/login");
    is($code, 302, "login over TLS (HTTP/$version): 302");
    my ($cookie) = $headers =~ /^set-cookie: (.*?)\r?$/mi;
    like($cookie // '', qr/^TWISTED_SECURE_SESSION=[\w-]+\.[\w-]+\.[\w-]+; Path=\/; HttpOnly; SameSite=Lax; Secure\z/,
         'TWISTED_SECURE_SESSION with Secure (HttpOnly, SameSite=Lax)');
    ($token) = ($cookie // '') =~ /^TWISTED_SECURE_SESSION=([^;]+)/;
    my ($location) = $headers =~ /^location: (.*?)\r?$/mi;
    is($location, "$tls/#/", 'redirected to the https BuildbotURL');
    my (undef, $payload) = jwt_parts($token // '');
    is(jwt_make($secret // '', $payload), $token, 'signed with the database\'s session secret');
}
{
    my ($code, undef, $body) = curl(@h2, '-H', "Cookie: TWISTED_SECURE_SESSION=$token", "$tls/config");
    is_deeply(config_of($body)->{user}, { username => 'admin', email => 'admin' },
              'the secure cookie is recognized over TLS');
    (undef, undef, $body) = curl(@h2, '-H', "Cookie: TWISTED_SESSION=$token", "$tls/config");
    is_deeply(config_of($body)->{user}, { anonymous => JSON::PP::true },
              'over TLS only the secure cookie name counts (as Buildbot)');
    # The same token is valid on the plain-http Apache::Test server, under
    # the plain name: one secret, two schemes.
    my $res = http(GET => server_url() . '/config', headers => [ cookie_header($token) ]);
    is_deeply(config_of($res->content)->{user}, { username => 'admin', email => 'admin' },
              'the token minted over TLS is accepted by the http node as TWISTED_SESSION');
}

# ---- behind a TLS-terminating proxy ----
{
    my ($code, $headers) = curl('-u', 'viewer:viewer-pass', '-H', 'X-Forwarded-For: 203.0.113.7',
                                '-H', 'X-Forwarded-Proto: https', "$proxied/auth/login?from=proxy");
    is($code, 302, 'behind a proxy: login 302');
    my ($cookie) = $headers =~ /^set-cookie: (.*?)\r?$/mi;
    like($cookie // '', qr/^TWISTED_SECURE_SESSION=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Secure\z/,
         'ServerName https://...: the secure cookie, as the browser talks https to the proxy');
    my ($tok) = ($cookie // '') =~ /^TWISTED_SECURE_SESSION=([^;]+)/;
    my ($location) = $headers =~ /^location: (.*?)\r?$/mi;
    is($location, 'https://ci.example.test/#/', 'redirected to the public https URL');
    my (undef, undef, $body) = curl('-H', "Cookie: TWISTED_SECURE_SESSION=" . ($tok // ''), "$proxied/config");
    my $cfg = config_of($body);
    is_deeply($cfg->{user}, { username => 'viewer', email => 'viewer' }, 'the cookie is recognized');
    is($cfg->{buildbotURL}, 'https://ci.example.test/', 'buildbotURL is the public URL');
    my $line;
    for (1 .. 50) {
        ($line) = grep { /from=proxy/ } split /\n/, slurp("$dir/logs/proxied_log") // '';
        last if $line;
        select undef, undef, undef, 0.1;
    }
    is($line, '203.0.113.7 127.0.0.1 "GET /auth/login?from=proxy HTTP/1.1"',
       'mod_remoteip: %a is the client from X-Forwarded-For, %{c}a the proxy');
}

my $errors = join '', grep { /\[[\w.]*:(?:error|crit|alert|emerg)\]/ }
    split /^/, slurp("$dir/logs/error_log") // '';
is($errors, '', 'the TLS node\'s error_log has no error lines');

my $was = $pid;
stop_node();
ok(!kill(0, $was), 'the TLS node stopped');

done_testing;

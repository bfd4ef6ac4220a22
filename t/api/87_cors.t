# CORS on REST reads (rest-api.md §9.2, §9.3). No allowed_origins is
# configured, so the only allowed origin is scheme://host:port of
# buildbotURL; any other Origin is refused with 400 "invalid origin".
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use BBW::Test;

my $own = server_url();    # http://127.0.0.1:PORT, buildbotURL without its path

sub cors_headers_ok {
    my ($res, $origin, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    is($res->header('Access-Control-Allow-Origin'), lc $origin, "$name: Access-Control-Allow-Origin");
    is($res->header('Access-Control-Allow-Headers'), 'Content-Type', "$name: Access-Control-Allow-Headers");
    is($res->header('Access-Control-Max-Age'), '3600', "$name: Access-Control-Max-Age");
}

# No Origin: no CORS headers.
{
    my ($res) = api('builders');
    is($res->code, 200, 'no Origin: 200');
    ok(!defined $res->header('Access-Control-Allow-Origin'), 'no Origin: no CORS headers');
}

# The server's own origin, in any case: allowed, echoed lower-cased.
for my $origin ($own, uc $own) {
    my ($res, $data) = api('builders', headers => [ Origin => $origin ]);
    is($res->code, 200, "Origin $origin: 200");
    cors_headers_ok($res, $origin, "Origin $origin");
    ok(ref $data eq 'HASH' && ref $data->{builders} eq 'ARRAY', "Origin $origin: the builders");
}
{
    my ($res) = api('builders/99999', headers => [ Origin => $own ]);
    is($res->code, 404, 'allowed Origin on a missing builder: 404');
    cors_headers_ok($res, $own, 'allowed Origin on an error');
}

# Any other origin: 400 invalid origin, before the path is even looked at.
for my $origin ('http://evil.example.com', "$own.evil.example.com", 'http://127.0.0.1', 'null') {
    for my $path ('builders', 'nosuch') {
        my ($res) = api($path, headers => [ Origin => $origin ]);
        is_error($res, 400, 'invalid origin', "GET /api/v2/$path with Origin $origin");
        ok(!defined $res->header('Access-Control-Allow-Origin'), "Origin $origin: no CORS headers");
    }
}
{
    my $res = api_raw("logs/1/raw", headers => [ Origin => 'http://evil.example.com' ]);
    is_error($res, 400, 'invalid origin', 'raw log with a foreign Origin');
}

# Preflight.
for my $method (qw(GET POST HEAD)) {
    my $res = request(OPTIONS => '/api/v2/builds/1',
                      headers => [ Origin => $own, 'Access-Control-Request-Method' => $method ]);
    is($res->code, 200, "preflight for $method: 200");
    is($res->content, '', "preflight for $method: empty body");
    like($res->header('Content-Type') // '', qr{^text/html}, "preflight for $method: text/html");
    cors_headers_ok($res, $own, "preflight for $method");
    ok(!defined $res->header('Set-Cookie'), "preflight for $method: no cookie");
}
for my $method ('DELETE', 'get', '') {
    my $res = request(OPTIONS => '/api/v2/builds/1',
                      headers => [ Origin => $own, 'Access-Control-Request-Method' => $method ]);
    is_error($res, 400, 'invalid method', "preflight for '$method'");
}
{
    my $res = request(OPTIONS => '/api/v2/builds/1',
                      headers => [ Origin => 'http://evil.example.com', 'Access-Control-Request-Method' => 'GET' ]);
    is_error($res, 400, 'invalid origin', 'preflight from a foreign origin');
}

# The sub-path vhost: its buildbotURL path (/ci/) is not part of the origin.
{
    my $sub = server_url('bbw_subpath');
    my ($res) = api('builders', prefix => '/ci/api/v2/', vhost => 'bbw_subpath', headers => [ Origin => $sub ]);
    is($res->code, 200, 'sub-path vhost: own origin allowed');
    is($res->header('Access-Control-Allow-Origin'), $sub, 'sub-path vhost: origin echoed');
    ($res) = api('builders', prefix => '/ci/api/v2/', vhost => 'bbw_subpath', headers => [ Origin => $own ]);
    is_error($res, 400, 'invalid origin', 'sub-path vhost: the main server origin is foreign');
}

done_testing;

# CORS as a matrix (ui-assets.md §1, rest-api.md §9.2, §9.3): origins x
# methods on the main server and on the bbw_cache vhost, each with its own
# default allowed origin (scheme://host:port of its BuildbotURL). For every
# cell: the status, the exact body of the front-layer errors, the three
# Access-Control-* headers present or absent, and Vary: Origin, which
# mod_bbwww adds to every /api/v2 answer. Outside /api/v2 (/config,
# /auth/logout, /api, /api/v3) there is no CORS processing at all.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use BBW::Test;

my @cors = qw(Access-Control-Allow-Origin Access-Control-Allow-Headers Access-Control-Max-Age);
my $rpc_body = '{"jsonrpc": "2.0", "method": "stop", "id": 1, "params": {}}';
my $no_master = '{"jsonrpc": "2.0", "id": 1, "error": {"code": -32603, "message": '
              . '"control calls are not available: no Buildbot master configured (BuildbotMaster)"}}';

sub cors_present {
    my ($res, $origin, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    is($res->header('Access-Control-Allow-Origin'), lc $origin, "$name: Access-Control-Allow-Origin");
    is($res->header('Access-Control-Allow-Headers'), 'Content-Type', "$name: Access-Control-Allow-Headers");
    is($res->header('Access-Control-Max-Age'), '3600', "$name: Access-Control-Max-Age");
}

sub cors_absent {
    my ($res, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my @found = grep { defined $res->header($_) } @cors;
    is("@found", '', "$name: no Access-Control-* header");
}

sub vary_origin {
    my ($res, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my @vary = map { s/^\s+|\s+$//gr } map { split /,/ } $res->header('Vary');
    is(scalar(grep { lc eq 'origin' } @vary), 1, "$name: Vary: Origin");
}

# Front-layer error: 400, text/plain; charset=utf-8, exact body (none on HEAD).
sub front_error {
    my ($res, $body, $head, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    is($res->code, 400, "$name: 400");
    is(scalar $res->header('Content-Type'), 'text/plain; charset=utf-8', "$name: text/plain");
    is($res->content, $head ? '' : $body, "$name: body");
}

# The methods of the matrix: what is sent, and what an allowed (or absent)
# origin gets: "pass" checks a request that goes through to its handler;
# ok_preflight, bad_preflight and bad_method mark the front-layer cases.
my @methods = (
    { label => 'GET /api/v2/builders', method => 'GET', path => 'builders',
      pass => sub {
          my ($res, $name) = @_;
          is($res->code, 200, "$name: 200");
          my $data = decode_body($res);
          ok(ref $data eq 'HASH' && ref $data->{builders} eq 'ARRAY', "$name: the builders");
      } },
    { label => 'HEAD /api/v2/builders', method => 'HEAD', path => 'builders', head => 1,
      pass => sub {
          my ($res, $name) = @_;
          is($res->code, 200, "$name: 200");
          is($res->content, '', "$name: no body");
      } },
    { label => 'POST /api/v2/builds/1', method => 'POST', path => 'builds/1', post => 1,
      headers => ['Content-Type' => 'application/json'], content => $rpc_body,
      pass => sub {
          my ($res, $name) = @_;
          is($res->code, 503, "$name: 503 (no master)");
          is($res->content, $no_master, "$name: JSON-RPC answer");
      } },
    { label => 'POST /api/v2/builders', method => 'POST', path => 'builders', post => 1,
      headers => ['Content-Type' => 'application/json'], content => $rpc_body,
      pass => sub {
          my ($res, $name) = @_;
          is($res->code, 501, "$name: 501");
          is($res->content, '{"jsonrpc": "2.0", "id": 1, "error": {"code": -32601, '
                            . '"message": "action: stop is not supported"}}', "$name: JSON-RPC answer");
      } },
    { label => 'POST text/plain /api/v2/builds/1', method => 'POST', path => 'builds/1', post => 1,
      headers => ['Content-Type' => 'text/plain'], content => $rpc_body,
      pass => sub {
          my ($res, $name) = @_;
          is($res->code, 400, "$name: 400 (content type)");
          is($res->content, '{"jsonrpc": "2.0", "error": {"code": -32600, '
                            . '"message": "Invalid content-type (use application/json)"}}', "$name: JSON-RPC answer");
      } },
    (map { my $m = $_;
           { label => "OPTIONS (request method $m)", method => 'OPTIONS', path => 'builders',
             preflight => $m, ok_preflight => 1 } } qw(GET POST HEAD)),
    (map { my $m = $_;
           { label => 'OPTIONS (request method ' . ($m // 'missing') . ')', method => 'OPTIONS',
             path => 'builders', preflight => $m, bad_preflight => 1 } } ('get', 'PUT', 'post', '', undef)),
    { label => 'PUT /api/v2/builders', method => 'PUT', path => 'builders', bad_method => 1 },
    { label => 'DELETE /api/v2/builds/1', method => 'DELETE', path => 'builds/1', bad_method => 1 },
);

my %url;
for my $server (qw(main bbw_cache)) {
    $url{$server} = server_url($server eq 'main' ? undef : $server);
}

for my $server (qw(main bbw_cache)) {
    my $own = $url{$server};
    my $other = $url{ $server eq 'main' ? 'bbw_cache' : 'main' };
    my ($port) = $own =~ /:(\d+)\z/;
    my @origins = (
        [own            => $own,                        1],
        ['upper-case'   => uc $own,                     1],
        ['mixed case'   => "Http://127.0.0.1:$port",    1],
        ['other port'   => $other,                      0],
        ['other scheme' => "https://127.0.0.1:$port",   0],
        ['other host'   => "http://localhost:$port",    0],
        ['no port'      => 'http://127.0.0.1',          0],
        ['with a path'  => "$own/",                     0],
        ['null'         => 'null',                      0],
        ['none'         => undef,                       undef],
    );
    for my $o (@origins) {
        my ($what, $origin, $allowed) = @$o;
        for my $m (@methods) {
            my $name = "$server, Origin $what, $m->{label}";
            my @headers = @{ $m->{headers} || [] };
            push @headers, Origin => $origin if defined $origin;
            push @headers, 'Access-Control-Request-Method' => $m->{preflight}
                if defined $m->{preflight};
            my $res = request($m->{method}, "/api/v2/$m->{path}",
                              vhost => $server eq 'main' ? undef : $server,
                              accept => 'application/json', headers => \@headers,
                              defined $m->{content} ? (content => $m->{content}) : ());
            vary_origin($res, $name);
            if (defined $allowed && !$allowed) {
                # Refused origin: first check of all, whatever the method.
                front_error($res, $m->{post} ? '{"error": {"message": "invalid origin"}}'
                                             : '{"error": "invalid origin"}',
                            $m->{head}, $name);
                cors_absent($res, $name);
            }
            elsif ($m->{method} eq 'OPTIONS' && !defined $allowed) {
                # OPTIONS without Origin is no preflight.
                front_error($res, '{"error": "invalid HTTP method"}', 0, $name);
                cors_absent($res, $name);
            }
            elsif ($m->{ok_preflight}) {
                is($res->code, 200, "$name: 200");
                is($res->content, '', "$name: empty body");
                like($res->header('Content-Type') // '', qr{^text/html\b}, "$name: text/html");
                ok(!defined $res->header('Set-Cookie'), "$name: no cookie");
                cors_present($res, $origin, $name);
            }
            elsif ($m->{bad_preflight}) {
                front_error($res, '{"error": "invalid method"}', 0, $name);
                cors_absent($res, $name);
            }
            elsif ($m->{bad_method}) {
                # The headers are set before the method is looked at.
                front_error($res, '{"error": "invalid HTTP method"}', 0, $name);
                $allowed ? cors_present($res, $origin, $name) : cors_absent($res, $name);
            }
            else {
                $m->{pass}->($res, $name);
                $allowed ? cors_present($res, $origin, $name) : cors_absent($res, $name);
            }
        }
    }
}

# A preflight answers for any path: it never reaches the path matching.
{
    my $own = $url{main};
    my $res = request(OPTIONS => '/api/v2/nosuch/path',
                      headers => [Origin => $own, 'Access-Control-Request-Method' => 'GET']);
    is($res->code, 200, 'preflight on an unknown path: 200');
    cors_present($res, $own, 'preflight on an unknown path');
    # Access-Control-Request-Headers plays no part.
    $res = request(OPTIONS => '/api/v2/builders',
                   headers => [Origin => $own, 'Access-Control-Request-Method' => 'POST',
                               'Access-Control-Request-Headers' => 'X-Anything, Authorization']);
    is($res->code, 200, 'preflight with Access-Control-Request-Headers: 200');
    is($res->header('Access-Control-Allow-Headers'), 'Content-Type',
       'preflight with Access-Control-Request-Headers: only Content-Type allowed');
    # Headers Buildbot never sends.
    for my $h (qw(Access-Control-Allow-Methods Access-Control-Allow-Credentials
                  Access-Control-Expose-Headers)) {
        ok(!defined $res->header($h), "preflight: no $h");
    }
    # A refused origin is refused before the path and the method are looked at.
    $res = request(PUT => '/api/v2/nosuch', headers => [Origin => 'http://evil.example.com']);
    front_error($res, '{"error": "invalid origin"}', 0, 'PUT on an unknown path from a foreign origin');
    $res = request(POST => '/api/v2/nosuch', headers => [Origin => 'http://evil.example.com',
                                                         'Content-Type' => 'text/plain'],
                   content => 'not json');
    front_error($res, '{"error": {"message": "invalid origin"}}', 0,
                'POST text/plain on an unknown path from a foreign origin');
    # Allowed origin, then an error of a later layer: the headers stay.
    $res = request(POST => '/api/v2/nosuch', headers => [Origin => $own,
                                                         'Content-Type' => 'application/json'],
                   content => $rpc_body);
    is($res->code, 404, 'POST on an unknown path from the own origin: 404');
    cors_present($res, $own, 'POST on an unknown path from the own origin');
    vary_origin($res, 'POST on an unknown path from the own origin');
}

# Outside /api/v2: no CORS processing, whatever the Origin.
for my $server (qw(main bbw_cache)) {
    my $own = $url{$server};
    my $vhost = $server eq 'main' ? undef : $server;
    for my $case (['GET', '/config', 200], ['GET', '/auth/logout', 302], ['GET', '/api', 200],
                  ['OPTIONS', '/api', 200], ['GET', '/api/v3', 501]) {
        my ($method, $path, $status) = @$case;
        for my $origin ($own, 'http://evil.example.com') {
            my $name = "$server, $method $path, Origin $origin";
            my $res = request($method, $path, vhost => $vhost,
                              headers => [Origin => $origin, 'Access-Control-Request-Method' => 'GET']);
            is($res->code, $status, "$name: $status");
            cors_absent($res, $name);
        }
    }
}

# An empty Origin header: Buildbot tests the header's truth value, so "" is
# the same as no Origin at all.
{
    my $res = request(GET => '/api/v2/builders', headers => [Origin => '']);
    is($res->code, 200, 'empty Origin: 200 as without Origin');
}

done_testing;

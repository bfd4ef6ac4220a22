# /api versions document, /api/v3 and /api/latest, the root links, the
# rest_minimum_version vhost and the sub-path mount (rest-api.md §1, §3.1).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use BBW::Test;

my $main = server_url();
my $cache = server_url('bbw_cache');
my $sub = server_url('bbw_subpath');

# --- GET /api: {"api_versions": {...}} with Python's default separators.
for my $method (qw(GET POST)) {
    my $res = request($method => '/api');
    is($res->code, 200, "$method /api: 200");
    is($res->header('Content-Type'), 'application/json', "$method /api: Content-Type without charset");
    is($res->content,
       qq({"api_versions": {"v2": "$main/api/v2", "v3": "$main/api/v3"}}),
       "$method /api: versions document");
    is($res->header('Content-Length'), length $res->content,
       "$method /api: Content-Length");
}
{
    my $res = request(GET => '/api', accept => 'application/json');
    is($res->content,
       qq({"api_versions": {"v2": "$main/api/v2", "v3": "$main/api/v3"}}),
       '/api ignores Accept');
    $res = request(HEAD => '/api');
    is($res->code, 200, 'HEAD /api: 200');
    is($res->content, '', 'HEAD /api: no body');
    is($res->header('Content-Length'),
       length(qq({"api_versions": {"v2": "$main/api/v2", "v3": "$main/api/v3"}})),
       'HEAD /api: Content-Length of the GET body');
}

# --- paths under /api that are not an API version: 404 HTML.
for my $path ('/api/', '/api/v1', '/api/v1/builders', '/api/foo', '/api/v2x') {
    my $res = request(GET => $path);
    is($res->code, 404, "$path: 404");
    like($res->header('Content-Type') // '', qr{^text/html}, "$path: HTML error page");
}

# --- GraphQL (v3) is not enabled: 501; latest is an alias of v3.
for my $path ('/api/v3', '/api/v3/builders', '/api/latest', '/api/latest/builders') {
    my $res = request(GET => $path);
    is($res->code, 501, "$path: 501");
    is($res->header('Content-Type'), 'application/json; charset=utf-8', "$path: Content-Type");
    is($res->content, '{"data": null, "errors": [{"message": "graphql not enabled"}]}',
       "$path: graphql not enabled");
}

# --- /api/v2: the twelve root links.
my @rootlinks = map { { name => $_ } }
    qw(builders builds buildrequests workers logchunks buildsets changes
       changesources masters sourcestamps schedulers forceschedulers);
{
    my ($res, $data) = api('', prefix => '/api/v2');
    my $items = check_envelope($res, $data, 'rootlinks', '/api/v2', total => 12);
    is_json($items, \@rootlinks, '/api/v2: root links in order');
    is($res->content,
       '{"meta":{"total":12},"rootlinks":[' .
       join(',', map { qq({"name":"$_->{name}"}) } @rootlinks) . ']}',
       '/api/v2: compact body byte for byte');

    $res = request(GET => '/api/v2');
    is($res->code, 200, '/api/v2 without Accept: 200');
    is($res->header('Content-Type'), 'text/plain; charset=utf-8',
       '/api/v2 without Accept: text/plain');
    is($res->content, pretty_json({ meta => { total => 12 }, rootlinks => \@rootlinks }),
       '/api/v2 without Accept: pretty body byte for byte');
    unlike($res->content, qr/\n\z/, '/api/v2 pretty: no trailing newline');

    ($res, $data) = api('?name=changes', prefix => '/api/v2');
    is_json(check_envelope($res, $data, 'rootlinks', 'root filtered', total => 1),
            [{ name => 'changes' }], '/api/v2?name=changes: the pipeline applies');
    ($res, $data) = api('?order=name&limit=2', prefix => '/api/v2');
    is_json(check_envelope($res, $data, 'rootlinks', 'root ordered', total => 12),
            [{ name => 'builders' }, { name => 'buildrequests' }],
            '/api/v2?order=name&limit=2');
}

# --- vhost with rest_minimum_version 2: /api lists only v3, v2 still works.
{
    my $res = request(GET => '/api', vhost => 'bbw_cache');
    is($res->code, 200, 'min version 2: /api 200');
    is($res->content, qq({"api_versions": {"v3": "$cache/api/v3"}}),
       'min version 2: only v3 is listed (v > rest_minimum_version)');
    ($res, my $data) = api('builders', vhost => 'bbw_cache');
    is($res->code, 200, 'min version 2: /api/v2/builders still served');
    ok(ref $data eq 'HASH' && ref $data->{builders} eq 'ARRAY',
       'min version 2: builders collection');
}

# --- the module mounted at /ci/: buildbotURL http://host:port/ci/.
{
    my $res = request(GET => '/ci/api', vhost => 'bbw_subpath');
    is($res->code, 200, 'sub-path: /ci/api 200');
    is($res->content,
       qq({"api_versions": {"v2": "$sub/ci/api/v2", "v3": "$sub/ci/api/v3"}}),
       'sub-path: versions carry the /ci/ prefix');

    my ($sub_res, $sub_data) = api('builders', prefix => '/ci/api/v2/', vhost => 'bbw_subpath');
    my ($main_res, $main_data) = api('builders');
    is($sub_res->code, 200, 'sub-path: /ci/api/v2/builders 200');
    is($sub_res->content, $main_res->content,
       'sub-path: same builders as at the web root');
    ($sub_res) = api('builders/', prefix => '/ci/api/v2/', vhost => 'bbw_subpath');
    is_error($sub_res, 404, 'Invalid path: builders/', 'sub-path: Invalid path is relative to /ci/api/v2');
    $res = request(GET => '/ci/api/v3', vhost => 'bbw_subpath');
    is($res->code, 501, 'sub-path: /ci/api/v3 501');

    $res = request(GET => '/api/v2/builders', vhost => 'bbw_subpath');
    is($res->code, 404, 'sub-path: /api/v2 outside /ci/ is not the module');
    isnt($res->header('Content-Type') // '', 'application/json; charset=utf-8',
         'sub-path: no JSON outside /ci/');
}

done_testing;

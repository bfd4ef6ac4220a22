# REST error paths (rest-api.md §2.1-2.4, §5, §8; rest-examples.md §20):
# status, Content-Type text/plain; charset=utf-8 whatever Accept says, and
# the exact {"error": "..."} body with Python's default separators.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use BBW::Test;
use BBW::Oracle;

my $build = BBW::Oracle::builds()->[0];
my $builder = BBW::Oracle::builders()->[0];

# --- Invalid path (404) -----------------------------------------------------------
my @invalid = (
    [''                          => ''],
    ['/'                         => '/'],
    ['builders/'                 => 'builders/'],
    ["builders/$builder->{builderid}/" => "builders/$builder->{builderid}/"],
    ['/builders'                 => '/builders'],
    ['builders//builds'          => 'builders//builds'],
    ['nosuch'                    => 'nosuch'],
    ['Builders'                  => 'Builders'],
    ['builds/abc'                => 'builds/abc'],
    ['builds/1.5'                => 'builds/1.5'],
    ['builders/1abc'             => 'builders/1abc'],
    ["builds/$build->{buildid}/nosuch" => "builds/$build->{buildid}/nosuch"],
    ['logs/1/raw_inline'         => 'logs/1/raw_inline'],
    ['builders/a%20b'            => 'builders/a b'],
    ['builders/caf%C3%A9x/builds/1/steps/1/logs/stdio/contents'
                                 => "builders/caf\\u00e9x/builds/1/steps/1/logs/stdio/contents"],
);
for my $case (@invalid) {
    my ($path, $shown) = @$case;
    my ($res) = api($path, prefix => '/api/v2/');
    is($res->code, 404, "/api/v2/$path: 404");
    is($res->header('Content-Type'), 'text/plain; charset=utf-8', "/api/v2/$path: text/plain");
    is($res->content, qq({"error": "Invalid path: $shown"}), "/api/v2/$path: Invalid path body");
}
{
    # rest-examples §20, and the same error without Accept: application/json.
    my $res = request(GET => '/api/v2/builders/1/');
    is_error($res, 404, 'Invalid path: builders/1/', 'no Accept header: same error');
    $res = request(GET => '/api/v2/builders/1/', accept => 'text/html');
    is_error($res, 404, 'Invalid path: builders/1/', 'Accept text/html: same error');
}

# --- query parameter errors (400) ----------------------------------------------------
my @bad_query = (
    ['builders?foo=1'                    => q{unrecognized query parameter 'foo'}],
    ['builders?Name=lint'                => q{unrecognized query parameter 'Name'}],
    ['builders?field=nosuch'             => q{no such field 'nosuch'}],
    ['builders?field=name&field=nosuch'  => q{no such field 'nosuch'}],
    ['builders?order=nosuch'             => q{no such field 'nosuch'}],
    ['builders?order=-nosuch'            => q{no such field 'nosuch'}],
    ['builders?order=--name'             => q{no such field '-name'}],
    ['builders?order=-'                  => q{no such field ''}],
    ['builders?field='                   => q{no such field ''}],    # D04 (3.7: 500)
    ['builders?order='                   => q{no such field ''}],    # D04
    ['builds?limit=ten'                  => 'invalid limit'],
    ['builds?limit='                     => 'invalid limit'],
    ['builds?limit=1.5'                  => 'invalid limit'],
    ['builders?offset=x'                 => 'invalid offset'],
    ['builders?offset=1e2'               => 'invalid offset'],
    ['builds?results=None'               => 'invalid filter value for results'],
    ['builds?results=null'               => 'invalid filter value for results'],
    ['builds?results='                   => 'invalid filter value for results'],
    ['builds?results__lt=abc'            => 'invalid filter value for results__lt'],
    ['builds?complete=maybe'             => 'invalid filter value for complete'],
    ['builds?complete__ne=2'             => 'invalid filter value for complete__ne'],
    ['builders?builderid=1&builderid=x'  => 'invalid filter value for builderid'],
    ['builders?name=1abc'                => 'invalid filter value for name'],
    ['builders?name=' . ('a' x 71)       => 'invalid filter value for name'],
    ['builders?name=a%20b'               => 'invalid filter value for name'],
    ['builders?name__contains=a%20b'     => 'invalid filter value for name__contains'],
    ['builders?name='                    => 'invalid filter value for name'],
    ["builds/$build->{buildid}/steps?name=" . ('s' x 51) => 'invalid filter value for name'],
    ['workers?workerinfo=x'              => 'invalid filter value for workerinfo'],
    ['workers?connected_to=1'            => 'invalid filter value for connected_to'],
    ['changes?sourcestamp=1'             => 'invalid filter value for sourcestamp'],
    ['builds?properties=x'               => 'invalid filter value for properties'],
    ['builds?field=buildid&order=-number'=> 'cannot order on un-selected fields'],
    ['builds?field=buildid&number=1'     => 'cannot filter on un-selected fields'],
    ['builds?field=buildid&complete=true'=> 'cannot filter on un-selected fields'],
    ['builders?tags__contains=ci&field=name' => 'cannot filter on un-selected fields'],
    ["builders/$builder->{builderid}?name=$builder->{name}" => 'this is not a collection'],
    ["builds/$build->{buildid}?number__gt=0" => 'this is not a collection'],
    ["builds/$build->{buildid}?complete=true" => 'this is not a collection'],
);
for my $case (@bad_query) {
    my ($path, $message) = @$case;
    my ($res) = api($path);
    is_error($res, 400, $message, "/api/v2/$path");
}
{
    my ($res) = api('logs?type=ss');
    is_error($res, 404, 'Invalid path: logs', 'logs collection does not exist');
}
# The first failing parameter wins, in order of first appearance.
{
    my ($res) = api('builders?limit=x&foo=1');
    is_error($res, 400, 'invalid limit', 'first bad parameter wins (limit)');
    ($res) = api('builders?foo=1&limit=x');
    is_error($res, 400, q{unrecognized query parameter 'foo'}, 'first bad parameter wins (foo)');
    ($res) = api('nosuch?foo=1');
    is_error($res, 404, 'Invalid path: nosuch', 'path is checked before the query');
}

# --- not found (404) --------------------------------------------------------------
{
    my $nf = q{with arguments ResultSpec(**{'filters': [], 'fields': None, 'properties': [], 'order': None, 'limit': None, 'offset': None})};
    my ($res) = api('builders/99999');
    is_error($res, 404, "not found while getting from endpoint for /builders/n:builderid,/builders/i:buildername,/masters/n:masterid/builders/n:builderid $nf and {'builderid': 99999}");
    ($res) = api('workers/99999');
    is_error($res, 404, "not found while getting from endpoint for /workers/n:workerid,/workers/i:name,/masters/n:masterid/workers/n:workerid,/masters/n:masterid/workers/i:name,/masters/n:masterid/builders/n:builderid/workers/n:workerid,/masters/n:masterid/builders/n:builderid/workers/i:name,/builders/n:builderid/workers/n:workerid,/builders/n:builderid/workers/i:name $nf and {'workerid': 99999}");
    ($res) = api('logs/99999');
    is_error($res, 404, qr/^not found while getting from endpoint for \/logs\/n:logid,\/steps\/n:stepid\/logs\/i:log_slug,.* and \{'logid': 99999\}$/);
    ($res) = api('builders/99999', accept => 'text/html');
    is($res->header('Content-Type'), 'text/plain; charset=utf-8', 'not found without JSON Accept: text/plain');
    ($res) = api('builders/99999?field=name');
    is_error($res, 404, qr/'fields': \['name'\]/, 'not-found message shows the selected fields');
}

# /logchunks names no log: 404 with no path arguments (Buildbot 3.7: 500,
# t/interop/DIFFERENCES.md D01).
{
    my ($res) = api('logchunks');
    is_error($res, 404, qr/^not found while getting from endpoint for \/logchunks,\/logs\/n:logid\/contents,.* and \{\}$/,
             '/logchunks: 404 (D01)');
}

# --- HTTP methods (400 invalid HTTP method) ---------------------------------------
for my $method (qw(PUT DELETE PATCH OPTIONS FOO)) {
    for my $path ('/api/v2/builders', "/api/v2/builds/$build->{buildid}", '/api/v2/nosuch') {
        my $res = request($method => $path, accept => 'application/json');
        is_error($res, 400, 'invalid HTTP method', "$method $path");
    }
}

# --- errors never carry Expires/Pragma, even with json_cache_seconds > 0 --------
{
    my ($res) = api('builders/99999', vhost => 'bbw_cache');
    is($res->code, 404, 'cache vhost: 404');
    ok(!defined $res->header('Expires') && !defined $res->header('Pragma'), 'cache vhost: no Expires on errors');
    ($res) = api('builders?foo=1', vhost => 'bbw_cache');
    ok(!defined $res->header('Expires'), 'cache vhost: no Expires on 400');
}

done_testing;

# JSON-RPC 2.0 control calls (rest-api.md §10) as mod_bbwww answers them
# without reaching a master: the envelope checks (§10.1, §10.4, in
# Buildbot's order), the methods each endpoint refuses or ignores by itself
# (§10.3), and the calls it would hand to a master: 503 on the main server
# (no BuildbotMaster), 502 on bbw_deadmaster (BuildbotMaster on a closed
# port). Error bodies are compared byte for byte: Python's default
# separators, keys jsonrpc, id, error, no "id" before the id was read.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use BBW::Test;
use BBW::Oracle;

my $json_ct = 'application/json';
my $no_master = 'control calls are not available: no Buildbot master configured (BuildbotMaster)';

# The state a control call would change: compared at the end.
my %before = (
    buildsets     => value('SELECT COUNT(*) FROM buildsets'),
    buildrequests => value('SELECT COUNT(*) FROM buildrequests'),
    claims        => value('SELECT COUNT(*) FROM buildrequest_claims'),
    schedulers    => value('SELECT COUNT(*) FROM schedulers WHERE enabled <> 0'),
    paused        => value('SELECT COUNT(*) FROM workers WHERE paused <> 0'),
);

# rpc(PATH, BODY, %options): POST /api/v2/PATH. BODY is a hash or array ref
# (encoded as JSON) or a string sent as is. Options: content_type (default
# application/json; undef sends none), vhost, headers.
sub rpc {
    my ($path, $body, %opt) = @_;
    my $ct = exists $opt{content_type} ? delete $opt{content_type} : $json_ct;
    my @headers = @{ delete $opt{headers} || [] };
    push @headers, 'Content-Type' => $ct if defined $ct;
    $body = JSON::PP->new->canonical->utf8->encode($body) if ref $body;
    return request(POST => "/api/v2/$path", content => $body, headers => \@headers, %opt);
}

sub call { my ($method, $id, $params) = @_;
           return { jsonrpc => '2.0', method => $method, id => $id, params => $params || {} } }

# The JSON text Python writes for an id (json.dumps, ASCII).
sub id_text {
    my $id = shift;
    return 'null' unless defined $id;
    return JSON::PP::is_bool($id) ? ($id ? 'true' : 'false') : compact_json($id);
}

# rpc_error_ok(RES, STATUS, ID, CODE, MESSAGE, NAME): ID is [] when the
# answer must have no "id" member, else [value].
sub rpc_error_ok {
    my ($res, $status, $id, $code, $message, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my $want = '{"jsonrpc": "2.0", '
        . (@$id ? '"id": ' . id_text($id->[0]) . ', ' : '')
        . qq("error": {"code": $code, "message": ) . compact_json($message) . '}}';
    my $ok = is($res->code, $status, "$name: status $status");
    $ok &= is(scalar $res->header('Content-Type'), $json_ct, "$name: Content-Type application/json");
    $ok &= is($res->content, $want, "$name: body");
    diag('body: ' . substr($res->content, 0, 300)) unless $ok;
    return $ok;
}

# --- Content-Type (§10.1): the media type, parameters ignored ----------------
{
    my $good = call('stop', 1);
    for my $case (['text/plain' => 'text/plain'],
                  ['application/x-www-form-urlencoded' => 'a form'],
                  ['application/jsonx' => 'application/jsonx'],
                  ['text/json' => 'text/json'],
                  [undef, 'no Content-Type']) {
        my ($ct, $label) = @$case;
        my $res = rpc('builds/1', $good, content_type => $ct);
        rpc_error_ok($res, 400, [], -32600, 'Invalid content-type (use application/json)',
                     "Content-Type $label");
        ok(!defined $res->header('Access-Control-Allow-Origin'), "Content-Type $label: no CORS header without Origin");
    }
    # The exact text of rest-api.md §10.4, written out once.
    my $res = rpc('builds/1', $good, content_type => 'text/plain');
    is($res->content,
       '{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid content-type (use application/json)"}}',
       'Invalid content-type: the observed Buildbot body, byte for byte');
    # An accepted media type gets past the check (to the 503 of a missing master).
    for my $ct ('application/json; charset=utf-8', 'application/json;charset=UTF-8',
                'application/json') {
        rpc_error_ok(rpc('builds/1', call('stop', 1), content_type => $ct),
                     503, [1], -32603, $no_master, "Content-Type '$ct' accepted");
    }
}

# --- body decoding (-32700): Python's json error texts ------------------------
my @parse = (
    [''                 => 'Expecting value: line 1 column 1 (char 0)',  'empty body'],
    [' '                => 'Expecting value: line 1 column 2 (char 1)',  'blank body'],
    ["\n"               => 'Expecting value: line 2 column 1 (char 1)',  'newline only'],
    ['x'                => 'Expecting value: line 1 column 1 (char 0)',  'bare word'],
    ['{"a": 1} x'       => 'Extra data: line 1 column 10 (char 9)',      'trailing word'],
    ["{\"a\": 1}\n  x"  => 'Extra data: line 2 column 3 (char 11)',      'trailing word on line 2'],
    ['{"a": 1}{}'       => 'Extra data: line 1 column 9 (char 8)',       'two objects'],
    ['1 2'              => 'Extra data: line 1 column 3 (char 2)',       'two numbers'],
    ['[1,]'             => 'Expecting value: line 1 column 4 (char 3)',  'trailing comma in a list'],
    ['{"a": -}'         => 'Expecting value: line 1 column 7 (char 6)',  'lone minus'],
    ["\t\n {\"a\":\n x}" => 'Expecting value: line 3 column 2 (char 10)', 'bad value on line 3'],
);
for my $case (@parse) {
    my ($body, $message, $label) = @$case;
    rpc_error_ok(rpc('builds/1', $body), 400, [], -32700, "JSON parse error: $message",
                 "body: $label");
}
{
    # Trailing white space after the object is not extra data.
    my $res = rpc('builds/1', qq({"jsonrpc": "2.0", "method": "stop", "id": 3, "params": {}} \n));
    rpc_error_ok($res, 503, [3], -32603, $no_master, 'trailing white space is no extra data');
}

# --- the root value (§10.4) ---------------------------------------------------
for my $case (['[]', 'JSONRPC batch requests are not supported', 'empty batch'],
              ['[' . compact_json(call('stop', 1)) . ']', 'JSONRPC batch requests are not supported', 'batch of one call'],
              ['1', 'JSONRPC root object must be an object', 'number'],
              ['"x"', 'JSONRPC root object must be an object', 'string'],
              ['null', 'JSONRPC root object must be an object', 'null'],
              ['true', 'JSONRPC root object must be an object', 'true']) {
    my ($body, $message, $label) = @$case;
    rpc_error_ok(rpc('builds/1', $body), 400, [], -32600, $message, "root value: $label");
}

# --- members: presence in the order jsonrpc, method, id, params; then types ---
my %full = (jsonrpc => '2.0', method => 'stop', id => 9, params => {});
{
    my @keys = qw(jsonrpc method id params);
    for my $i (0 .. $#keys) {
        # Only the keys before the missing one: the first missing is named.
        my %body = map { $_ => $full{$_} } @keys[0 .. $i - 1];
        rpc_error_ok(rpc('builds/1', \%body), 400, [], -32600, "missing key '$keys[$i]'",
                     "members up to '$keys[$i]' missing");
        # All but that one.
        my %but = %full;
        delete $but{$keys[$i]};
        rpc_error_ok(rpc('builds/1', \%but), 400, [], -32600, "missing key '$keys[$i]'",
                     "only '$keys[$i]' missing");
    }
    rpc_error_ok(rpc('builds/1', {}), 400, [], -32600, "missing key 'jsonrpc'", 'empty object');
}
my @types = (
    [jsonrpc => 2,            q{'jsonrpc' must be a string}],
    [jsonrpc => undef,        q{'jsonrpc' must be a string}],
    [jsonrpc => ['2.0'],      q{'jsonrpc' must be a string}],
    [method  => 1,            q{'method' must be a string}],
    [method  => undef,        q{'method' must be a string}],
    [method  => {},           q{'method' must be a string}],
    [method  => false,        q{'method' must be a string}],
    [id      => '1.5',        q{'id' must be a string, number, or null}],
    [id      => '1.0',        q{'id' must be a string, number, or null}],
    [id      => '1e2',        q{'id' must be a string, number, or null}],
    [id      => [],           q{'id' must be a string, number, or null}],
    [id      => {},           q{'id' must be a string, number, or null}],
    [params  => [],           q{'params' must be an object}],
    [params  => ['a'],        q{'params' must be an object}],
    [params  => 'x',          q{'params' must be an object}],
    [params  => undef,        q{'params' must be an object}],
    [params  => 1,            q{'params' must be an object}],
);
for my $case (@types) {
    my ($key, $value, $message) = @$case;
    # Numbers written literally (1.5 must stay a real, not become "1.5").
    my %body = %full;
    my $text;
    if ($key eq 'id' && !ref $value) {
        $body{id} = 'ID';
        $text = JSON::PP->new->canonical->encode(\%body) =~ s/"ID"/$value/r;
    }
    else {
        $body{$key} = $value;
        $text = JSON::PP->new->canonical->encode(\%body);
    }
    rpc_error_ok(rpc('builds/1', $text), 400, [], -32600, $message, "body $text");
}
{
    # Presence is checked key by key with the type: a wrong jsonrpc wins over
    # a later missing key, a missing method over a wrong params.
    rpc_error_ok(rpc('builds/1', { jsonrpc => 1 }), 400, [], -32600,
                 q{'jsonrpc' must be a string}, 'wrong jsonrpc before missing method');
    rpc_error_ok(rpc('builds/1', { jsonrpc => '2.0', params => [] }), 400, [], -32600,
                 q{missing key 'method'}, 'missing method before wrong params');
    # The version is checked after all four members.
    rpc_error_ok(rpc('builds/1', { jsonrpc => '1.0' }), 400, [], -32600,
                 q{missing key 'method'}, 'missing method before the version');
    rpc_error_ok(rpc('builds/1', { %full, jsonrpc => '1.0', params => [] }), 400, [], -32600,
                 q{'params' must be an object}, 'wrong params before the version');
}
for my $version ('1.0', '2', '2.0 ', '', '2.00') {
    rpc_error_ok(rpc('builds/1', { %full, jsonrpc => $version }), 400, [], -32600,
                 'only JSONRPC 2.0 is supported', "jsonrpc '$version'");
}

# --- body size: 64 KiB at most ----------------------------------------------------
{
    my $head = '{"jsonrpc": "2.0", "method": "stop", "id": 1, "params": {"reason": "';
    my $tail = '"}}';
    my $fill = 65536 - length($head) - length($tail);
    my $body = $head . ('r' x $fill) . $tail;
    is(length $body, 65536, '64 KiB body built');
    rpc_error_ok(rpc('builds/1', $body), 503, [1], -32603, $no_master, 'body of exactly 64 KiB accepted');
    $body = $head . ('r' x ($fill + 1)) . $tail;
    rpc_error_ok(rpc('builds/1', $body), 413, [], -32600, 'request body larger than 65536 bytes',
                 'body of 64 KiB + 1');
    $body = $head . ('r' x (4 * 65536)) . $tail;
    rpc_error_ok(rpc('builds/1', $body), 413, [], -32600, 'request body larger than 65536 bytes',
                 'body of 256 KiB');
    # Without Content-Length (chunked): the limit holds while reading.
    my @chunks = ($head, ('r' x 40000) x 2, $tail);
    my $res = request(POST => '/api/v2/builds/1', headers => ['Content-Type' => $json_ct],
                      content => sub { shift @chunks // '' });
    rpc_error_ok($res, 413, [], -32600, 'request body larger than 65536 bytes',
                 'chunked body over 64 KiB');
    @chunks = ($head, 'r' x 100, $tail);
    $res = request(POST => '/api/v2/builds/1', headers => ['Content-Type' => $json_ct],
                   content => sub { shift @chunks // '' });
    rpc_error_ok($res, 503, [1], -32603, $no_master, 'small chunked body read');
}

# --- after the id: path (404) ---------------------------------------------------
for my $case (['nosuch'            => 'nosuch'],
              ['builds/1/nosuch'   => 'builds/1/nosuch'],
              ['builds/abc'        => 'builds/abc'],
              ['builders/'         => 'builders/'],
              ['builders//builds'  => 'builders//builds'],
              ['builders/a%20b'    => 'builders/a b']) {
    my ($path, $shown) = @$case;
    rpc_error_ok(rpc($path, call('stop', 'req-1')), 404, ['req-1'], -32600,
                 "Invalid path: $shown", "POST /api/v2/$path");
}
rpc_error_ok(rpc('nosuch', call('stop', 12)), 404, [12], -32600, 'Invalid path: nosuch',
             'Invalid path: integer id echoed');
rpc_error_ok(rpc('nosuch', call('stop', undef)), 404, [undef], -32600, 'Invalid path: nosuch',
             'Invalid path: null id echoed');
{
    # The envelope is checked before the path.
    rpc_error_ok(rpc('nosuch', call('stop', 1), content_type => 'text/plain'), 400, [], -32600,
                 'Invalid content-type (use application/json)', 'content type before path');
    rpc_error_ok(rpc('nosuch', '[]'), 400, [], -32600,
                 'JSONRPC batch requests are not supported', 'body before path');
}

# --- methods an endpoint refuses by itself (§10.3) ---------------------------------
for my $case (['builders', 'stop'], ['builds', 'stop'], ['builders/1', 'stop'],
              ['builds/1', 'frobnicate'], ['builds/1', 'cancel'], ['builds/1', 'stopx'],
              ['workers', 'pause'], ['workers/1', 'Pause'], ['workers/1', 'enable'],
              ['changes/1', 'stop'], ['logs/1', 'stop'], ['steps/1', 'stop'],
              ['buildrequests', 'cancel'], ['schedulers', 'enable'], ['forceschedulers', 'force'],
              ['masters/1', 'stop']) {
    my ($path, $method) = @$case;
    rpc_error_ok(rpc($path, call($method, 'n1')), 501, ['n1'], -32601,
                 "action: $method is not supported", "/$path '$method'");
}
for my $method ('stop', 'Cancel', 'CANCEL', 'pause', q{it's}) {
    my $repr = $method =~ /'/ ? qq{"action: $method is not supported"}
                              : qq{'action: $method is not supported'};
    rpc_error_ok(rpc('buildrequests/1', call($method, 4)), 500, [4], -32603,
                 "ValueError($repr)", "/buildrequests/1 '$method'");
}
for my $case (['schedulers/1', 'frobnicate'], ['schedulers/1', 'Enable'],
              ['schedulers/1', 'stop'], ['masters/1/schedulers/1', 'frobnicate'],
              ['forceschedulers/force', 'frobnicate'], ['forceschedulers/force', 'Force'],
              ['forceschedulers/nosuch', 'stop']) {
    my ($path, $method) = @$case;
    for my $id ('s', 5, undef) {
        my $res = rpc($path, call($method, $id));
        my $label = "/$path '$method' (id " . id_text($id) . ')';
        is($res->code, 200, "$label: 200");
        is(scalar $res->header('Content-Type'), $json_ct, "$label: Content-Type");
        is($res->content, '{"id":' . id_text($id) . ',"jsonrpc":"2.0","result":null}',
           "$label: compact sorted null result");
    }
}

# --- calls only a master can answer: 503 without BuildbotMaster --------------------
my @forward = (
    ['builds/1', 'stop'], ['builds/1', 'Stop'], ['builds/1', 'STOP'], ['builds/1', 'rebuild'],
    ['builders/1/builds/1', 'stop'], ['workers/1', 'pause'], ['workers/1', 'unpause'],
    ['workers/1', 'stop'], ['workers/1', 'kill'], ['buildrequests/1', 'cancel'],
    ['schedulers/1', 'enable'], ['masters/1/schedulers/1', 'enable'],
    ['forceschedulers/force', 'force'],
);
for my $case (@forward) {
    my ($path, $method) = @$case;
    my $params = $method eq 'enable' ? { enabled => false } : { reason => 'test' };
    rpc_error_ok(rpc($path, call($method, "f-$method", $params)), 503, ["f-$method"], -32603,
                 $no_master, "/$path '$method' without a master");
}
for my $id ('abc', 0, 42, -7, undef, true, false, '', 'a/b', "caf\x{e9}") {
    rpc_error_ok(rpc('builds/1', call('stop', $id)), 503, [$id], -32603, $no_master,
                 'id ' . id_text($id) . ' echoed');
}
{
    # Query parameters play no part in a call (§10.1).
    rpc_error_ok(rpc('builds/1?field=nosuch&limit=x', call('stop', 2)), 503, [2], -32603,
                 $no_master, 'query string ignored');
    # The Vary header of every /api/v2 answer is on JSON-RPC answers too.
    my $res = rpc('builds/1', call('stop', 2));
    is($res->header('Vary'), 'Origin', 'JSON-RPC answer: Vary: Origin');
    ok(!defined $res->header('Set-Cookie') || $res->header('Set-Cookie') =~ /^TWISTED_SESSION=/,
       'JSON-RPC answer: no cookie other than the session');
}

# --- a master that does not answer: 502 -------------------------------------------
{
    my $dead = 'the Buildbot master at http://127.0.0.1:9/ did not answer';
    for my $case (['builds/1', 'stop', 'x1'], ['workers/1', 'pause', 2],
                  ['buildrequests/1', 'cancel', undef],
                  ['forceschedulers/force', 'force', 'x4']) {
        my ($path, $method, $id) = @$case;
        rpc_error_ok(rpc($path, call($method, $id), vhost => 'bbw_deadmaster'), 502, [$id], -32603,
                     $dead, "bbw_deadmaster: /$path '$method'");
    }
    # What needs no master is answered the same as without one.
    rpc_error_ok(rpc('builders', call('stop', 1), vhost => 'bbw_deadmaster'), 501, [1], -32601,
                 'action: stop is not supported', 'bbw_deadmaster: /builders stop');
    rpc_error_ok(rpc('nosuch', call('stop', 1), vhost => 'bbw_deadmaster'), 404, [1], -32600,
                 'Invalid path: nosuch', 'bbw_deadmaster: unknown path');
    rpc_error_ok(rpc('builds/1', '[]', vhost => 'bbw_deadmaster'), 400, [], -32600,
                 'JSONRPC batch requests are not supported', 'bbw_deadmaster: batch');
    my $res = rpc('schedulers/1', call('frobnicate', 1), vhost => 'bbw_deadmaster');
    is($res->code, 200, 'bbw_deadmaster: /schedulers/1 frobnicate 200');
    is($res->content, '{"id":1,"jsonrpc":"2.0","result":null}', 'bbw_deadmaster: null result');
    # CORS headers set before the hand-off survive the failed proxying.
    my $origin = server_url('bbw_deadmaster');
    $res = rpc('builds/1', call('stop', 1), vhost => 'bbw_deadmaster', headers => [Origin => $origin]);
    rpc_error_ok($res, 502, [1], -32603, $dead, 'bbw_deadmaster with its own Origin');
    is($res->header('Access-Control-Allow-Origin'), $origin, 'bbw_deadmaster: Access-Control-Allow-Origin kept');
    is($res->header('Access-Control-Allow-Headers'), 'Content-Type', 'bbw_deadmaster: Access-Control-Allow-Headers kept');
    is($res->header('Access-Control-Max-Age'), '3600', 'bbw_deadmaster: Access-Control-Max-Age kept');
    is($res->header('Vary'), 'Origin', 'bbw_deadmaster: Vary: Origin kept');
}

# --- Python's texts ---------------------------------------------------------------------
# rest-api.md §10.4 asks for Python's json error text and Python's repr();
# these are what Buildbot 3.7 (Python 3.11) answers.
{
    for my $case (['{'         => 'Expecting property name enclosed in double quotes: line 1 column 2 (char 1)'],
                  ['{"a" 1}'   => q{Expecting ':' delimiter: line 1 column 6 (char 5)}],
                  ['{"a": 1,}' => 'Expecting property name enclosed in double quotes: line 1 column 9 (char 8)'],
                  ['{"a": 01}' => q{Expecting ',' delimiter: line 1 column 8 (char 7)}],
                  ['"abc'      => 'Unterminated string starting at: line 1 column 1 (char 0)'],
                  ['tru'       => 'Expecting value: line 1 column 1 (char 0)'],
                  ["\xff"      => q{'utf-8' codec can't decode byte 0xff in position 0: invalid start byte}],
                  ["\xef\xbb\xbf{}" => 'Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)']) {
        my ($body, $message) = @$case;
        my $res = rpc('builds/1', $body);
        is($res->content, '{"jsonrpc": "2.0", "error": {"code": -32700, "message": '
                          . compact_json("JSON parse error: $message") . '}}',
           'Python json error for ' . compact_json($body));
    }
}
{
    my $res = rpc('buildrequests/1', call("a\nb", 1));
    is($res->content, '{"jsonrpc": "2.0", "id": 1, "error": {"code": -32603, "message": '
                      . compact_json(q{ValueError('action: a\nb is not supported')}) . '}}',
       'ValueError repr of a method with a newline');
}

# --- nothing above created or changed anything ---------------------------------------
is(value('SELECT COUNT(*) FROM buildsets'), $before{buildsets}, 'no buildset created');
is(value('SELECT COUNT(*) FROM buildrequests'), $before{buildrequests}, 'no build request created');
is(value('SELECT COUNT(*) FROM buildrequest_claims'), $before{claims}, 'no build request claimed');
is(value('SELECT COUNT(*) FROM schedulers WHERE enabled <> 0'), $before{schedulers},
   'no scheduler enabled or disabled');
is(value('SELECT COUNT(*) FROM workers WHERE paused <> 0'), $before{paused}, 'no worker paused or unpaused');

done_testing;

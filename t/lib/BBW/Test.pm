package BBW::Test;
# Helpers shared by t/api/*.t: HTTP requests against the Apache::Test server
# (main server or one of the vhosts of t/conf/extra.conf.in), JSON encoders
# that reproduce Buildbot's two output formats, and comparison helpers that
# keep JSON types (1 is not "1", false is not 0).
use strict;
use warnings;

use Exporter 'import';
use Apache::Test ();
use Apache::TestRequest ();
use HTTP::Request ();
use JSON::PP ();
use Test::More ();

our @EXPORT = qw(
    request api api_raw api_pretty decode_body server_url
    compact_json pretty_json python_json python_compact canon
    is_json is_error is_entities ids_of check_envelope
    true false
);

sub true ()  { JSON::PP::true }
sub false () { JSON::PP::false }

my $decoder = JSON::PP->new->allow_nonref;

# server_url([VHOST]): "http://127.0.0.1:PORT" of the main server (default)
# or of a <VirtualHost NAME> from extra.conf.in (bbw_cache, bbw_subpath).
sub server_url {
    my $vhost = shift;
    # BBW_TEST_URL points the main-server tests at another server, e.g. a
    # real Buildbot master on the same fixture, to check the expectations.
    return $ENV{BBW_TEST_URL} =~ s{/\z}{}r if $ENV{BBW_TEST_URL} && !$vhost;
    my $config = Apache::Test::config();
    my $hostport = $vhost
        ? $config->{vhosts}{$vhost}{hostport}
        : join(':', $config->{vars}{servername}, $config->{vars}{port});
    die "no vhost '$vhost' in the Apache::Test config\n" unless $hostport;
    return "http://$hostport";
}

# request(METHOD, PATH, %options) -> HTTP::Response. PATH is sent as given
# (no normalisation). Options: vhost => NAME, accept => header value
# (omitted: no Accept header), headers => [name => value, ...], content.
sub request {
    my ($method, $path, %opt) = @_;
    my $request = HTTP::Request->new($method => server_url($opt{vhost}) . $path);
    $request->header(Accept => $opt{accept}) if defined $opt{accept};
    my @headers = @{ $opt{headers} || [] };
    while (my ($name, $value) = splice @headers, 0, 2) {
        $request->header($name => $value);
    }
    $request->content($opt{content}) if defined $opt{content};
    my $ua = Apache::TestRequest::user_agent(requests_redirectable => 0);
    return $ua->request($request);
}

# api(PATH, %options) -> ($response, $data): GET /api/v2/PATH with
# "Accept: application/json"; $data is the decoded body (undef if not JSON).
sub api {
    my ($path, %opt) = @_;
    my $method = delete $opt{method} || 'GET';
    my $prefix = exists $opt{prefix} ? delete $opt{prefix} : '/api/v2/';
    my $res = request($method, $prefix . $path,
                      accept => 'application/json', %opt);
    return ($res, decode_body($res));
}

# api_pretty(PATH, %options): the same without an Accept header.
sub api_pretty {
    my ($path, %opt) = @_;
    my $res = request('GET', "/api/v2/$path", %opt);
    return ($res, decode_body($res));
}

# api_raw(PATH, %options) -> $response (no JSON decoding).
sub api_raw {
    my ($path, %opt) = @_;
    my $method = delete $opt{method} || 'GET';
    return request($method, "/api/v2/$path", %opt);
}

sub decode_body {
    my $res = shift;
    my $body = $res->content;
    return undef unless defined $body && length $body;
    my $data = eval { $decoder->decode($body) };
    return $data;
}

# Buildbot's formats (rest-api.md §4.2, §8.1):
#   compact: sorted keys, "," and ":" separators, non-ASCII as \uXXXX;
#   pretty: sorted keys, 2-space indent, ": " separator, no final newline;
#   python: json.dumps defaults, ", " and ": ", keys in the given order
#           (used for error bodies, which have a single key).
my $compact = JSON::PP->new->canonical->ascii->allow_nonref;
my $pretty = JSON::PP->new->canonical->ascii->allow_nonref
    ->indent->indent_length(2)->space_after;

sub compact_json { $compact->encode($_[0]) }

sub pretty_json {
    my $text = $pretty->encode($_[0]);
    $text =~ s/\n\z//;
    return $text;
}

sub python_json {
    my $text = compact_json($_[0]);
    # Only for flat objects of strings: add Python's default separators
    # outside string literals.
    my $out = '';
    while ($text =~ /\G("[^"\\]*+(?:\\.[^"\\]*+)*+"|[,:]|[^",:]+)/gc) {
        my $token = $1;
        $out .= $token eq ',' ? ', ' : $token eq ':' ? ': ' : $token;
    }
    return $out;
}

# python_compact(TEXT): TEXT parsed and written again the way Python writes
# compact sorted JSON. Number literals are kept as written (JSON::PP would
# turn 3.0 into 3), so `$body eq python_compact($body)` checks key order,
# separators and escaping without judging how numbers are spelled.
sub python_compact {
    my $text = shift;
    my $pos = 0;
    my $value = eval { parse_value(\$text, \$pos) };
    return undef if $@;
    pos($text) = $pos;
    return undef unless $text =~ /\G\s*\z/gc;
    return write_compact($value);
}

sub parse_value {
    my ($t, $p) = @_;
    pos($$t) = $$p;
    $$t =~ /\G\s*/gc;
    my $v;
    if ($$t =~ /\G\{/gc) {
        my @pairs;
        $$t =~ /\G\s*/gc;
        unless ($$t =~ /\G\}/gc) {
            while (1) {
                $$p = pos $$t;
                my $k = parse_value($t, $p);
                die "key\n" unless ref $k eq 'BBW::Test::Str';
                pos($$t) = $$p;
                $$t =~ /\G\s*:/gc or die "colon\n";
                $$p = pos $$t;
                push @pairs, [ $$k, parse_value($t, $p) ];
                pos($$t) = $$p;
                $$t =~ /\G\s*/gc;
                next if $$t =~ /\G,/gc;
                $$t =~ /\G\}/gc or die "object\n";
                last;
            }
        }
        $v = bless \@pairs, 'BBW::Test::Obj';
    }
    elsif ($$t =~ /\G\[/gc) {
        my @items;
        $$t =~ /\G\s*/gc;
        unless ($$t =~ /\G\]/gc) {
            while (1) {
                $$p = pos $$t;
                push @items, parse_value($t, $p);
                pos($$t) = $$p;
                $$t =~ /\G\s*/gc;
                next if $$t =~ /\G,/gc;
                $$t =~ /\G\]/gc or die "array\n";
                last;
            }
        }
        $v = \@items;
    }
    elsif ($$t =~ /\G"/gc) {
        # Scanned in a loop: one regex over a long log text would exceed
        # Perl's recursion limit.
        my $start = pos $$t;
        while (1) {
            $$t =~ /\G[^"\\]*/gc;
            last if $$t =~ /\G"/gc;
            $$t =~ /\G\\./gcs or die "string\n";
        }
        my $s = $decoder->decode(substr($$t, $start - 1, pos($$t) - $start + 1));
        $v = bless \$s, 'BBW::Test::Str';
    }
    elsif ($$t =~ /\G(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null|NaN|-?Infinity)/gc) {
        my $lit = $1;
        $v = bless \$lit, 'BBW::Test::Lit';
    }
    else {
        die "value\n";
    }
    $$p = pos $$t;
    return $v;
}

sub python_string {
    my $s = shift;
    my $out = '';
    for my $c (split //, $s) {
        my $o = ord $c;
        if    ($c eq '"')  { $out .= '\\"' }
        elsif ($c eq '\\') { $out .= '\\\\' }
        elsif ($c eq "\n") { $out .= '\\n' }
        elsif ($c eq "\r") { $out .= '\\r' }
        elsif ($c eq "\t") { $out .= '\\t' }
        elsif ($c eq "\b") { $out .= '\\b' }
        elsif ($c eq "\f") { $out .= '\\f' }
        elsif ($o < 0x20 || ($o > 0x7e && $o < 0x80)) {
            $out .= $o == 0x7f ? $c : sprintf '\\u%04x', $o;
        }
        elsif ($o < 0x80) { $out .= $c }
        elsif ($o < 0x10000) { $out .= sprintf '\\u%04x', $o }
        else {
            my $u = $o - 0x10000;
            $out .= sprintf '\\u%04x\\u%04x', 0xd800 + ($u >> 10), 0xdc00 + ($u & 0x3ff);
        }
    }
    return qq("$out");
}

sub write_compact {
    my $v = shift;
    my $r = ref $v;
    return '{' . join(',', map { python_string($_->[0]) . ':' . write_compact($_->[1]) }
                           sort { $a->[0] cmp $b->[0] } @$v) . '}' if $r eq 'BBW::Test::Obj';
    return '[' . join(',', map { write_compact($_) } @$v) . ']' if $r eq 'ARRAY';
    return python_string($$v) if $r eq 'BBW::Test::Str';
    return $$v;
}

# canon(DATA): one canonical text for comparisons that keep JSON types.
sub canon { $compact->encode($_[0]) }

# is_json(GOT, WANT, NAME): deep comparison through the canonical encoding.
sub is_json {
    my ($got, $want, $name) = @_;
    my ($g, $w) = (canon($got), canon($want));
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my $ok = Test::More::ok($g eq $w, $name);
    Test::More::diag(json_difference($got, $want)) unless $ok;
    return $ok;
}

# json_difference(GOT, WANT): a short description of the first difference.
sub json_difference {
    my ($got, $want, $where) = @_;
    $where //= '';
    if (ref $got eq 'ARRAY' && ref $want eq 'ARRAY') {
        for my $i (0 .. ($#$got > $#$want ? $#$got : $#$want)) {
            return "$where: got " . @$got . " items, want " . @$want
                   . ($i <= $#$got ? "; extra got[$i]: " . short(canon($got->[$i]))
                                   : "; missing want[$i]: " . short(canon($want->[$i])))
                if $i > $#$got || $i > $#$want;
            return json_difference($got->[$i], $want->[$i], "$where\[$i]")
                if canon($got->[$i]) ne canon($want->[$i]);
        }
    }
    if (ref $got eq 'HASH' && ref $want eq 'HASH') {
        my %keys = map { $_ => 1 } keys %$got, keys %$want;
        for my $k (sort keys %keys) {
            return "$where.$k: got " . (exists $got->{$k} ? short(canon($got->{$k})) : '(absent)')
                   . ', want ' . (exists $want->{$k} ? short(canon($want->{$k})) : '(absent)')
                if !exists $got->{$k} || !exists $want->{$k};
            return json_difference($got->{$k}, $want->{$k}, "$where.$k")
                if canon($got->{$k}) ne canon($want->{$k});
        }
    }
    return ($where || 'value') . ': got ' . short(canon($got)) . ', want ' . short(canon($want));
}

sub short { length $_[0] > 400 ? substr($_[0], 0, 400) . '...' : $_[0] }

# is_error(RESPONSE, STATUS, MESSAGE, NAME): a REST error as in
# rest-api.md §8.1: status, text/plain; charset=utf-8, {"error": "..."}.
# MESSAGE may be a string (exact) or a qr// pattern.
sub is_error {
    my ($res, $status, $message, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    $name ||= $res->request->uri->path_query;
    my $ok = Test::More::is($res->code, $status, "$name: status $status");
    $ok &= Test::More::is(scalar $res->header('Content-Type'),
                          'text/plain; charset=utf-8', "$name: error Content-Type");
    if (ref $message eq 'Regexp') {
        my $data = decode_body($res);
        $ok &= Test::More::like(ref $data eq 'HASH' ? $data->{error} // '' : '',
                                $message, "$name: error message");
    }
    else {
        $ok &= Test::More::is($res->content, python_json({ error => $message }),
                              "$name: error body");
    }
    Test::More::diag("body: " . substr($res->content, 0, 500)) unless $ok;
    return $ok;
}

# check_envelope(RESPONSE, DATA, PLURAL, NAME, %expect): 200, compact JSON
# Content-Type, the envelope keys, and meta (total => N for collections,
# single => 1 for {"meta": {}}). Returns the entity list (or []).
sub check_envelope {
    my ($res, $data, $plural, $name, %expect) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my $ok = Test::More::is($res->code, 200, "$name: status 200");
    Test::More::diag("body: " . substr($res->content // '', 0, 500))
        unless $ok;
    Test::More::is(scalar $res->header('Content-Type'),
                   'application/json; charset=utf-8', "$name: Content-Type");
    my $is_hash = ref $data eq 'HASH';
    # Byte for byte what Python's json.dumps(sort_keys=True, separators=(',',
    # ':')) gives: sorted keys, no whitespace, non-ASCII as \uXXXX.
    my $body = $res->content // '';
    Test::More::ok($is_hash && $body eq (python_compact($body) // ''),
                   "$name: compact JSON, sorted keys, ASCII")
        or Test::More::diag('body: ' . short($res->content // ''));
    Test::More::is_deeply([sort keys %{ $is_hash ? $data : {} }],
                          [sort($plural, 'meta')], "$name: envelope keys");
    if ($expect{single}) {
        is_json($is_hash ? $data->{meta} : undef, {}, "$name: meta is {}");
    }
    elsif (exists $expect{total}) {
        is_json($is_hash && ref $data->{meta} eq 'HASH'
                    ? $data->{meta}{total} : undef,
                $expect{total}, "$name: meta.total");
    }
    my $items = $is_hash ? $data->{$plural} : undef;
    return ref $items eq 'ARRAY' ? $items : [];
}

# is_entities(PATH, PLURAL, WANT_LIST, NAME, %expect): GET PATH and compare
# the entity list exactly (order included); %expect as for check_envelope
# (total defaults to the number of wanted items for collections).
sub is_entities {
    my ($path, $plural, $want, $name, %expect) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    $name ||= $path;
    $expect{total} = scalar @$want
        unless $expect{single} || exists $expect{total};
    my ($res, $data) = api($path);
    my $items = check_envelope($res, $data, $plural, $name, %expect);
    return is_json($items, $want, "$name: $plural");
}

# ids_of(KEY, LIST): the KEY values of a list of entities.
sub ids_of {
    my ($key, $list) = @_;
    return [ map { ref $_ eq 'HASH' ? $_->{$key} : undef } @{ $list || [] } ];
}

1;

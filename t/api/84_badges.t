# Badges (ui-assets.md §3): plugins/badges/<builder>.svg|png and
# badges/<builder>.svg|png. The state each builder shows comes from the
# fixture database (BBW::Oracle), the text widths from the widths Buildbot
# 3.7 measured with DejaVu Sans 11 (observed, in the spec), the geometry
# from the plugin's four templates. SVGs are parsed with XML::LibXML; PNGs
# are decoded here (chunks, zlib, scanline filters) to compare their size
# with the SVG's and sample their colours.
# Vhosts: the main server (defaults), bbw_badges and bbw_badges_off
# (t/conf/badges.last.conf.in), bbw_view (identity.last.conf.in:
# BuildbotViewBuilders, everyone sees the builders tagged ci) and
# bbw_subpath (the site below /ci/).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use BBW::Test;
use BBW::Oracle qw(rows);
use BBW::Session;
use Compress::Zlib ();
use JSON::PP ();
use XML::LibXML ();

my $SVGNS = 'http://www.w3.org/2000/svg';
my @RESULTS = qw(success warnings failure skipped exception retry cancelled);
# DejaVu Sans 11, as cairo measured for Buildbot (ui-assets.md §3).
my %W = ('Build Status' => 66.1611328125, success => 43.02783203125,
         failure => 34.9873046875, running => 42.44775390625, unknown => 49.9833984375,
         warnings => 49.97265625, exception => 54.14599609375, cancelled => 52.43798828125,
         skipped => 42.8720703125, retry => 26.63525390625);
my %COLOR = (exception => '#007ec6', failure => '#e05d44', retry => '#007ec6',
             running => '#007ec6', skipped => '#a4a61d', success => '#4c1',
             unknown => '#9f9f9f', warnings => '#dfb317', cancelled => '#9f9f9f');
my $json = JSON::PP->new;

# ------------------------------------------------------------- the oracle

my %builder_name = map { $_->{id} => $_->{name} } @{ rows('SELECT id, name FROM builders') };
my @builderids = sort { $a <=> $b } keys %builder_name;

# What the badge of a builder says: its highest-numbered build (of branch,
# when given: a build whose request's buildset has a sourcestamp on it).
sub expected_state {
    my ($builderid, $branch) = @_;
    my @builds = @{ rows('SELECT number, complete_at, results, buildrequestid FROM builds'
                         . ' WHERE builderid = ?', $builderid) };
    if (defined $branch) {
        @builds = grep {
            my $branches = rows('SELECT sourcestamps.branch FROM buildrequests, buildset_sourcestamps,'
                                . ' sourcestamps WHERE buildrequests.id = ?'
                                . ' AND buildset_sourcestamps.buildsetid = buildrequests.buildsetid'
                                . ' AND sourcestamps.id = buildset_sourcestamps.sourcestampid',
                                $_->{buildrequestid});
            grep { defined $_->{branch} && $_->{branch} eq $branch } @$branches;
        } @builds;
    }
    my ($last) = sort { $b->{number} <=> $a->{number} } @builds;
    return 'unknown' unless $last;
    return 'running' unless defined $last->{complete_at};
    my $r = $last->{results};
    return defined $r && $r >= 0 && $r < @RESULTS ? $RESULTS[$r] : 'unknown';
}

# ---------------------------------------------------------------- helpers

sub badge {
    my ($path, %opt) = @_;
    my $method = delete $opt{method} || 'GET';
    return request($method, $path, %opt);
}

# The parsed SVG: {width, height, rects => [{x, width, rx, fill}], texts =>
# [{x, y, text, shadow}], group => {attributes}}; undef if not well-formed.
sub svg_of {
    my ($body) = @_;
    my $doc = eval { XML::LibXML->load_xml(string => $body, no_network => 1) };
    return undef unless $doc;
    my $xpc = XML::LibXML::XPathContext->new($doc);
    $xpc->registerNs(s => $SVGNS);
    my ($root) = $xpc->findnodes('/s:svg');
    return undef unless $root;
    my %svg = (width => num($root->getAttribute('width')),
               height => num($root->getAttribute('height')));
    for my $r ($xpc->findnodes('/s:svg/s:rect')) {
        push @{ $svg{rects} }, { (map { ($_ => num($r->getAttribute($_))) } qw(x width height rx)),
                                 fill => $r->getAttribute('fill') };
    }
    my ($g) = $xpc->findnodes('/s:svg/s:g');
    $svg{group} = { map { ($_->nodeName => $_->value) } $g->attributes } if $g;
    for my $t ($xpc->findnodes('/s:svg/s:g/s:text')) {
        push @{ $svg{texts} }, { x => num($t->getAttribute('x')), y => num($t->getAttribute('y')),
                                 text => $t->textContent,
                                 shadow => defined $t->getAttribute('fill-opacity') };
    }
    $svg{gradient} = $xpc->findnodes('/s:svg/s:linearGradient')->size;
    return \%svg;
}

# Numeric attributes as numbers, so that "71.0" equals 71 (the exact
# spelling is checked byte for byte against Buildbot's output above).
sub num {
    my $v = shift;
    return defined $v && $v =~ /\A-?[0-9]+(?:\.[0-9]+)?\z/ ? 0 + $v : $v;
}

sub get_svg {
    my ($path, %opt) = @_;
    my $res = badge($path, %opt);
    return ($res, $res->code == 200 ? svg_of($res->content) : undef);
}

# The visible texts (shadows left out), in order.
sub texts { my $svg = shift; [map { $_->{text} } grep { !$_->{shadow} } @{ $svg->{texts} }] }

# A decoded PNG: {width, height, ctype, bpp, rows => [[bytes]]}.
sub png_decode {
    my ($data) = @_;
    return undef unless substr($data, 0, 8) eq "\x89PNG\r\n\x1a\n";
    my ($pos, $idat, %png) = (8, '');
    while ($pos + 12 <= length $data) {
        my ($len, $type) = unpack 'N a4', substr($data, $pos, 8);
        my $body = substr($data, $pos + 8, $len);
        $pos += 12 + $len;
        if ($type eq 'IHDR') {
            @png{qw(width height depth ctype interlace)} = unpack 'N N C C x x C', $body;
        }
        elsif ($type eq 'IDAT') { $idat .= $body }
        elsif ($type eq 'IEND') { last }
    }
    return undef unless $png{width} && $png{depth} == 8 && !$png{interlace};
    my $bpp = { 6 => 4, 2 => 3 }->{ $png{ctype} } or return undef;
    my $raw = Compress::Zlib::uncompress($idat) // return undef;
    my $stride = $png{width} * $bpp;
    my @prev = (0) x $stride;
    for my $y (0 .. $png{height} - 1) {
        my $filter = ord substr($raw, $y * ($stride + 1), 1);
        my @cur = unpack 'C*', substr($raw, $y * ($stride + 1) + 1, $stride);
        for my $i (0 .. $stride - 1) {
            my $a = $i >= $bpp ? $cur[$i - $bpp] : 0;
            my $b = $prev[$i];
            my $c = $i >= $bpp ? $prev[$i - $bpp] : 0;
            my $add = $filter == 1 ? $a : $filter == 2 ? $b : $filter == 3 ? int(($a + $b) / 2)
                    : $filter == 4 ? paeth($a, $b, $c) : 0;
            $cur[$i] = ($cur[$i] + $add) & 0xff;
        }
        push @{ $png{rows} }, [@cur];
        @prev = @cur;
    }
    $png{bpp} = $bpp;
    return \%png;
}

sub paeth {
    my ($a, $b, $c) = @_;
    my $p = $a + $b - $c;
    my ($pa, $pb, $pc) = (abs($p - $a), abs($p - $b), abs($p - $c));
    return $pa <= $pb && $pa <= $pc ? $a : $pb <= $pc ? $b : $c;
}

sub pixel {
    my ($png, $x, $y) = @_;
    my $row = $png->{rows}[$y];
    return [@$row[$x * $png->{bpp} .. $x * $png->{bpp} + 2]];
}

sub is_json_error {
    my ($res, $status, $like, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    is($res->code, $status, "$name: $status");
    is($res->header('Content-Type'), 'application/json', "$name: JSON");
    my $body = eval { $json->decode($res->content) };
    like($body && $body->{error}, $like, "$name: error text");
}

# ----------------------------------------------- every builder, defaults

for my $id (@builderids) {
    my $state = expected_state($id);
    my $name = $builder_name{$id};
    my ($res, $svg) = get_svg("/plugins/badges/$id.svg");
    is($res->code, 200, "builder $id: 200");
    is($res->header('Content-Type'), 'image/svg+xml', "builder $id: image/svg+xml");
    is($res->header('Cache-Control'), 'no-cache', "builder $id: no-cache");
    like($res->header('ETag') // '', qr/\A"[0-9a-f]{40}"\z/, "builder $id: ETag");
    ok($svg, "builder $id: well-formed SVG") or next;
    is_deeply(texts($svg), ['Build Status', $state], "builder $id: Build Status | $state");
    is($svg->{rects}[0]{fill}, '#555', "builder $id: left colour");
    is($svg->{rects}[1]{fill}, $COLOR{$state}, "builder $id: $state colour $COLOR{$state}");
    my ($A, $B) = ($W{'Build Status'} + 5, $W{$state} + 5);
    is($svg->{width}, $A + $B + 2, "builder $id: width = left + right + pads + 2");
    is($svg->{height}, 18, "builder $id: plastic height");
    is($svg->{rects}[1]{x}, $A + 2, "builder $id: right half at A+2");
    is($svg->{texts}[2]{x}, ($A + 2) + $B / 2 - 1, "builder $id: right text centred");
    for my $prefix ('/badges/', '/plugins/badges/') {
        my $by_name = badge("$prefix$name.svg");
        is($by_name->content, $res->content, "builder $id: $prefix$name.svg is the same badge");
    }
}

# Buildbot's observed plastic badge for a success, byte for byte.
{
    my ($ok) = grep { expected_state($_) eq 'success' } @builderids;
    SKIP: {
        skip 'no builder whose last build succeeded', 1 unless $ok;
        my $res = badge("/badges/$ok.svg");
        is($res->content, <<'SVG' =~ s/\n\z//r, 'plastic success: as Buildbot 3.7 writes it');
<svg xmlns="http://www.w3.org/2000/svg" width="121.18896484375" height="18">
  <linearGradient id="smooth" x2="0" y2="100%">
    <stop offset="0"  stop-color="#fff" stop-opacity=".7"/>
    <stop offset=".1" stop-color="#aaa" stop-opacity=".1"/>
    <stop offset=".9" stop-color="#000" stop-opacity=".3"/>
    <stop offset="1"  stop-color="#000" stop-opacity=".5"/>
  </linearGradient>
  <rect rx="5" width="119.18896484375" height="18" fill="#555"/>
  <rect rx="5" x="73.1611328125" width="48.02783203125" height="18" fill="#4c1"/>
  <rect x="73.1611328125" width="4" height="18" fill="#4c1"/>
  <rect rx="5" width="121.18896484375" height="18" fill="url(#smooth)"/>
  <g fill="#fff" text-anchor="middle" font-family="DejaVu Sans,Verdana,Geneva,sans-serif" font-size="11">
    <text x="36.58056640625" y="14" fill="#010101" fill-opacity=".3">Build Status</text>
    <text x="36.58056640625" y="13">Build Status</text>
    <text x="96.175048828125" y="14" fill="#010101" fill-opacity=".3">success</text>
    <text x="96.175048828125" y="13">success</text>
  </g>
</svg>
SVG
    }
}

# ------------------------------------------------------------------ styles

{
    my $id = $builderids[0];
    my $state = expected_state($id);
    my ($L, $R) = ($W{'Build Status'}, $W{$state});
    my ($A, $B) = ($L + 5, $R + 5);

    my (undef, $flat) = get_svg("/badges/$id.svg?style=flat");
    is($flat->{height}, 20, 'flat: height 20');
    is($flat->{width}, $A + $B + 5, 'flat: width A+B+5');
    is_deeply([map { $_->{x} } @{ $flat->{rects} }], [undef, $A + 5, $A + 5, undef], 'flat: rect x');
    is_deeply([map { $_->{width} } @{ $flat->{rects} }], [$A + $B, $B, 4, $A + $B + 5], 'flat: rect widths');
    is_deeply([map { $_->{rx} } @{ $flat->{rects} }], [5, 5, undef, 5], 'flat: border radius');
    is_deeply([map { [$_->{x}, $_->{y}] } @{ $flat->{texts} }],
              [[$A / 2 + 1, 15], [$A / 2 + 1, 14], [($A + 5) + $B / 2 - 1, 15], [($A + 5) + $B / 2 - 1, 14]],
              'flat: text positions, shadows one lower');
    is($flat->{group}{'font-family'}, 'DejaVu Sans,Verdana,Geneva,sans-serif', 'flat: font_face written');
    is($flat->{gradient}, 1, 'flat: gradient');

    my (undef, $sq) = get_svg("/badges/$id.svg?style=flat-square");
    is($sq->{width}, $A + $B, 'flat-square: width A+B');
    is(scalar @{ $sq->{rects} }, 2, 'flat-square: two rects');
    is_deeply([map { [$_->{x}, $_->{width}, $_->{rx}] } @{ $sq->{rects} }],
              [[undef, $A + $B, undef], [$A, $B, undef]], 'flat-square: geometry, no rounding');
    is_deeply([map { [$_->{x}, $_->{y}, $_->{shadow} ? 1 : 0] } @{ $sq->{texts} }],
              [[$A / 2, 14, 0], [$A + $B / 2, 14, 0]], 'flat-square: single texts');
    is($sq->{gradient}, 0, 'flat-square: no gradient');

    my (undef, $io) = get_svg("/badges/$id.svg?style=badgeio&left_pad=40&border_radius=9");
    is($io->{width}, 24 + $L + $R, 'badgeio: width 24+Lw+Rw, pads ignored');
    is_deeply([map { [$_->{x}, $_->{width}, $_->{rx}] } @{ $io->{rects} }],
              [[undef, 24 + $L + $R, 3], [12 + $L, 12 + $R, 3], [12 + $L, 4, undef],
               [undef, 24 + $L + $R, 3]], 'badgeio: rects, radius 3 whatever border_radius says');
    is_deeply([map { $_->{x} } @{ $io->{texts} }], [6, 6, 16 + $L, 16 + $L], 'badgeio: text x');
    is($io->{group}{'text-anchor'}, 'left', "badgeio: Buildbot's anchor");

    my (undef, $pl) = get_svg("/badges/$id.svg?style=plastic&border_radius=0");
    is_deeply([map { $_->{rx} } @{ $pl->{rects} }], [0, 0, undef, 0], 'plastic: border_radius=0');
    is_deeply([map { $_->{y} } @{ $pl->{texts} }], [14, 13, 14, 13], 'plastic: text y');
}

# ---------------------------------------------------------- query options

{
    my $id = $builderids[0];
    my $state = expected_state($id);
    my (undef, $base) = get_svg("/badges/$id.svg");
    my (undef, $long) = get_svg("/badges/$id.svg?left_text=Build%20Status%20of%20everything");
    is_deeply(texts($long), ['Build Status of everything', $state], 'left_text from the query');
    cmp_ok($long->{width}, '>', $base->{width}, 'a longer left text makes a wider badge');
    is($long->{rects}[1]{width}, $base->{rects}[1]{width}, 'the right half keeps its width');
    my $A = $long->{rects}[1]{x} - 2;
    is($long->{texts}[0]{x}, $A / 2 + 1, 'left text centred in the longer left half');
    is($long->{width}, $long->{rects}[0]{width} + 2, 'rects span the badge');

    my (undef, $pad) = get_svg("/badges/$id.svg?left_pad=15&right_pad=0");
    is($pad->{rects}[1]{x}, $base->{rects}[1]{x} + 10, 'left_pad=15 moves the right half by 10');
    is($pad->{rects}[1]{width}, $base->{rects}[1]{width} - 5, 'right_pad=0 narrows the right half');

    my (undef, $big) = get_svg("/badges/$id.svg?font_size=22&style=flat");
    is($big->{rects}[1]{x} - 5, 2 * $W{'Build Status'} + 5, 'font_size=22 doubles the measured width');
    is($big->{group}{'font-size'}, 22, 'flat writes font_size');
    my (undef, $bigp) = get_svg("/badges/$id.svg?font_size=22");
    is($bigp->{group}{'font-size'}, 11, "plastic's font-size stays 11 (Buildbot's template)");

    my (undef, $bold) = get_svg("/badges/$id.svg?font_face=DejaVu%20Sans%20Bold&style=flat");
    cmp_ok($bold->{rects}[1]{x}, '>', $base->{rects}[1]{x} + 3, 'DejaVu Sans Bold measures wider');
    is($bold->{group}{'font-family'}, 'DejaVu Sans Bold,Verdana,Geneva,sans-serif', 'font_face written');

    my (undef, $col) = get_svg("/badges/$id.svg?left_color=%23123&color_scheme.$state=Tomato");
    is($col->{rects}[0]{fill}, '#123', 'left_color=%23123');
    is($col->{rects}[1]{fill}, 'tomato', "color_scheme.$state from the query, name lower-cased");
    my (undef, $bare) = get_svg("/badges/$id.svg?left_color=222");
    is($bare->{rects}[0]{fill}, '#222', "left_color=222 (Buildbot's documented example) gets its '#'");

    my ($res, $esc) = get_svg("/badges/$id.svg?left_text=%3Cb%3E%20%26%20%22q%22%20%27s%27%20%C3%A9t%C3%A9");
    ok($esc, 'markup in left_text: still well-formed');
    is(texts($esc)->[0], qq{<b> & "q" 's' \x{e9}t\x{e9}}, 'markup in left_text: shown as text');
    like($res->content, qr/&lt;b&gt; &amp; &quot;q&quot;/, 'markup in left_text: escaped');

    my (undef, $plus) = get_svg("/badges/$id.svg?left_text=a+b");
    is(texts($plus)->[0], 'a b', "'+' is a space");
    my (undef, $empty) = get_svg("/badges/$id.svg?left_text=");
    is(texts($empty)->[0], '', 'empty left_text');
    is($empty->{rects}[1]{x}, 5 + 2, 'empty left_text: only the pad');
    my (undef, $first) = get_svg("/badges/$id.svg?left_text=A&left_text=B&left_color=%23111&left_color=nope");
    is(texts($first)->[0], 'A', 'the first value counts');
    is($first->{rects}[0]{fill}, '#111', 'a later bad value of the same key is ignored');
    my ($unk, $unknown) = get_svg("/badges/$id.svg?foo=bar&template_name=evil.j2&color_scheme=x&branchx=1");
    is($unk->content, badge("/badges/$id.svg")->content, 'unknown options are ignored');

    my @bad = (
        ['left_color=nope', qr/left_color: 'nope' is not a colour/],
        ['left_color=%23abcde', qr/left_color/],
        ['left_color=url(%23smooth)', qr/left_color/],
        ['color_scheme.success=%22%3E', qr/color_scheme\.success/],
        ['left_pad=abc', qr/left_pad: 'abc' is not an integer from 0 to 100/],
        ['left_pad=101', qr/left_pad/],
        ['right_pad=-1', qr/right_pad/],
        ['border_radius=51', qr/border_radius/],
        ['font_size=3', qr/font_size/],
        ['font_size=65', qr/font_size/],
        ['style=fancy', qr/style: 'fancy' is not a style/],
        ['font_face=A%22%3E%3Cx', qr/font_face/],
        ['left_text=' . ('x' x 101), qr/left_text/],
        ['left_text=%01', qr/left_text/],
        ['left_text=%FF', qr/left_text/],
        ['left_text=a%00b', qr/left_text/],
    );
    for my $case (@bad) {
        my ($query, $like) = @$case;
        is_json_error(badge("/badges/$id.svg?$query"), 400, $like, "?$query");
    }
    is(badge("/badges/$id.svg?left_text=" . ('x' x 100))->code, 200, '100 characters of left_text');
    is(badge("/badges/$id.png?left_color=nope")->code, 400, 'PNG: bad option 400 too');
}

# ----------------------------------------------------------- branch filter

for my $id (@builderids) {
    for my $branch ('main', 'feature/x', 'nope') {
        my $state = expected_state($id, $branch);
        (my $q = $branch) =~ s{/}{%2F}g;
        my (undef, $svg) = get_svg("/badges/$id.svg?branch=$q");
        is(texts($svg)->[1], $state, "builder $id, branch $branch: $state");
    }
    my (undef, $all) = get_svg("/badges/$id.svg?branch=");
    is(texts($all)->[1], expected_state($id), "builder $id: empty branch = any");
}
ok((grep { expected_state($_, 'main') ne expected_state($_) } @builderids) &&
   (grep { expected_state($_, 'feature/x') ne 'unknown' } @builderids),
   'the fixture makes the branch filter matter');

# ---------------------------------------------------------------- not found

{
    my $id = $builderids[0];
    my $name = $builder_name{$id};
    my (undef, $pct) = get_svg('/badges/' . join('', map { sprintf '%%%02X', ord } split //, $name) . '.svg');
    is(texts($pct)->[1], expected_state($id), 'builder name percent-decoded');
    is(badge("/badges/00$id.svg")->content, badge("/badges/$id.svg")->content, 'leading zeros in an id');
    is(badge("/badges/$name.svg.svg")->code, 404, 'name.svg.svg: no such builder');
    for my $path ('999999.svg', 'no-such-builder.svg', 'no-such-builder.png') {
        is_json_error(badge("/plugins/badges/$path"), 404, qr/builder not found/, $path);
    }
    for my $path ('1abc.svg', 'a%20b.svg', '.hidden.svg', 'x%25.svg', '%C3%A9.svg') {
        is_json_error(badge("/badges/$path"), 404, qr/invalid builder name or id/, $path);
    }
    # httpd itself refuses an encoded '/' or NUL in a path.
    is(badge("/badges/$_")->code, 404, "$_: 404") for 'a%2Fb.svg', '%00.svg';
    for my $path ('', '.svg', "$id", "$id.gif", "$id.SVG", "$id.svg/x", "x/$id.svg") {
        is(badge("/badges/$path")->code, 404, "/badges/$path: 404");
        is(badge("/plugins/badges/$path")->code, 404, "/plugins/badges/$path: 404");
    }
    is(badge('/plugins/badges')->code, 404, '/plugins/badges: 404');
}

# -------------------------------------------------- methods, HEAD, ETag

{
    my $id = $builderids[0];
    my $get = badge("/badges/$id.svg");
    my $head = badge("/badges/$id.svg", method => 'HEAD');
    is($head->code, 200, 'HEAD: 200');
    is($head->content, '', 'HEAD: no body');
    is($head->header('Content-Length'), length $get->content, 'HEAD: Content-Length of the GET');
    is($head->header('ETag'), $get->header('ETag'), 'HEAD: same ETag');
    is($head->header('Content-Type'), 'image/svg+xml', 'HEAD: Content-Type');
    my $phead = badge("/badges/$id.png", method => 'HEAD');
    is($phead->code, 200, 'PNG HEAD: 200');
    is($phead->header('Content-Length'), length badge("/badges/$id.png")->content,
       'PNG HEAD: Content-Length of the GET');
    for my $method (qw(POST PUT DELETE)) {
        my $res = badge("/badges/$id.svg", method => $method, content => '');
        is($res->code, 405, "$method: 405");
        like($res->header('Allow') // '', qr/\bGET\b/, "$method: Allow names GET");
        unlike($res->header('Allow') // '', qr/\b(?:POST|PUT|DELETE)\b/, "$method: and not $method");
    }
    is(badge('/badges/1abc.svg', method => 'POST', content => '')->code, 405,
       'POST to a badge path with a bad name: 405 (the route matches)');

    my $etag = $get->header('ETag');
    my $again = badge("/badges/$id.svg", headers => ['If-None-Match' => $etag]);
    is($again->code, 304, 'If-None-Match with the ETag: 304');
    is($again->content, '', '304: no body');
    is($again->header('ETag'), $etag, '304: ETag repeated');
    is(badge("/badges/$id.svg", headers => ['If-None-Match' => qq{"x", $etag}])->code, 304,
       'If-None-Match list holding the ETag: 304');
    is(badge("/badges/$id.svg", headers => ['If-None-Match' => '"other"'])->code, 200,
       'another ETag: 200');
    my $other = badge("/badges/$id.svg?left_text=x");
    isnt($other->header('ETag'), $etag, 'another badge, another ETag');
    is(badge("/badges/$id.svg?left_text=x", headers => ['If-None-Match' => $etag])->code, 200,
       'the old ETag does not match the new badge');
    my $png = badge("/badges/$id.png");
    like($png->header('ETag') // '', qr/\A"[0-9a-f]{40}-png"\z/, 'PNG ETag');
    isnt($png->header('ETag'), $etag, 'PNG and SVG ETags differ');
    is(badge("/badges/$id.png", headers => ['If-None-Match' => $png->header('ETag')])->code, 304,
       'PNG: 304');
    is(badge("/badges/$id.png")->content, $png->content, 'PNG: same bytes twice');
}

# --------------------------------------------------------------------- PNG

{
    my $id = $builderids[0];
    my $state = expected_state($id);
    my $res = badge("/plugins/badges/$id.png");
    is($res->code, 200, 'PNG: 200');
    is($res->header('Content-Type'), 'image/png', 'PNG: image/png');
    is($res->header('Cache-Control'), 'no-cache', 'PNG: no-cache');
    my $png = png_decode($res->content);
    ok($png, 'PNG: decodes (signature, IHDR, IDAT, filters)') or diag(length $res->content);
    my (undef, $svg) = get_svg("/plugins/badges/$id.svg");
    is($png->{width}, int($svg->{width}), 'PNG: IHDR width = the SVG width, truncated');
    is($png->{height}, $svg->{height}, 'PNG: IHDR height = the SVG height');
    my ($left, $right) = (pixel($png, 3, 9), pixel($png, $png->{width} - 4, 9));
    isnt("@$left", "@$right", 'PNG: the halves differ');

    # Flat-square has no gradient or rounding: exact colours away from text.
    for my $case (['navy', '%23e05d44', [0, 0, 128], [0xe0, 0x5d, 0x44]],
                  ['%23123456', 'gold', [0x12, 0x34, 0x56], [255, 215, 0]]) {
        my ($lc, $rc, $lrgb, $rrgb) = @$case;
        my $q = "style=flat-square&left_color=$lc&color_scheme.$state=$rc";
        my $r = badge("/badges/$id.png?$q");
        my $p = png_decode($r->content);
        my (undef, $s) = get_svg("/badges/$id.svg?$q");
        is($p->{width}, int($s->{width}), "PNG $lc/$rc: width");
        is($p->{height}, 20, "PNG $lc/$rc: height 20");
        is_deeply(pixel($p, 1, 1), $lrgb, "PNG $lc/$rc: left pixel");
        is_deeply(pixel($p, $p->{width} - 2, 1), $rrgb, "PNG $lc/$rc: right pixel");
        my $split = int($s->{rects}[1]{x});
        is_deeply(pixel($p, $split - 1, 19), $lrgb, "PNG $lc/$rc: left of the split");
        is_deeply(pixel($p, $split + 1, 19), $rrgb, "PNG $lc/$rc: right of the split");
        my $white = grep { my $px = pixel($p, $_, 10); $px->[0] > 200 && $px->[1] > 200 && $px->[2] > 200 }
                    0 .. $p->{width} - 1;
        ok($white > 5, "PNG $lc/$rc: white text drawn");
    }
}

# ------------------------------------------------------- configured options

{
    my $id = $builderids[0];
    my $state = expected_state($id);
    my $res = badge("/badges/$id.svg", vhost => 'bbw_badges');
    my $svg = svg_of($res->content);
    ok($svg, 'configured: well-formed');
    is_deeply(texts($svg), ['Our CI', $state], 'configured: left_text');
    is($svg->{height}, 20, 'configured: style flat');
    is($svg->{rects}[0]{fill}, 'navy', 'configured: left_color');
    is($svg->{rects}[0]{rx}, 3, 'configured: border_radius');
    is($svg->{group}{'font-size'}, 12, 'configured: font_size');
    is($svg->{group}{'font-family'}, 'DejaVu Sans Bold,Verdana,Geneva,sans-serif', 'configured: font_face');
    my %want = (running => '#222', cancelled => '#abcdef');
    is($svg->{rects}[1]{fill}, $want{$state} // $COLOR{$state}, 'configured: colour scheme merged with the default');
    my $B = $svg->{rects}[1]{width};
    my $A = $svg->{rects}[1]{x} - 5;
    is($svg->{width}, $A + $B + 5, 'configured: flat width');
    my (undef, $q) = get_svg("/badges/$id.svg?left_text=Q&style=plastic&left_pad=0", vhost => 'bbw_badges');
    is_deeply(texts($q), ['Q', $state], 'configured: the query overrides left_text');
    is($q->{height}, 18, 'configured: the query overrides style');
    is($q->{rects}[0]{fill}, 'navy', 'configured: other options stay');
    my ($cancelled) = grep { expected_state($_) eq 'cancelled' } @builderids;
    SKIP: {
        skip 'no cancelled build in the fixture', 1 unless $cancelled;
        my (undef, $c) = get_svg("/badges/$cancelled.svg", vhost => 'bbw_badges');
        is($c->{rects}[1]{fill}, '#abcdef', 'configured: color_scheme.cancelled');
    }
    my ($running) = grep { expected_state($_) eq 'running' } @builderids;
    SKIP: {
        skip 'no running build in the fixture', 1 unless $running;
        my (undef, $c) = get_svg("/badges/$running.svg", vhost => 'bbw_badges');
        is($c->{rects}[1]{fill}, '#222', 'configured: color_scheme.running 222');
    }
    my (undef, $sq) = get_svg("/square/badges/$id.svg", vhost => 'bbw_badges');
    is(scalar @{ $sq->{rects} }, 2, 'a <Location> with its own options: flat-square');
    is_deeply(texts($sq), ['Build Status', $state], "a <Location>'s options replace the vhost's");

    is(badge("/badges/$id.svg", vhost => 'bbw_badges_off')->code, 404, 'BuildbotBadges Off: 404');
    is(badge("/plugins/badges/$id.png", vhost => 'bbw_badges_off')->code, 404, 'BuildbotBadges Off: PNG 404');
}

# ------------------------------------------------ sub-path and visibility

{
    my $id = $builderids[0];
    my $res = badge("/ci/plugins/badges/$id.svg", vhost => 'bbw_subpath');
    is($res->code, 200, 'site below /ci/: badge served');
    is($res->content, badge("/plugins/badges/$id.svg")->content, 'site below /ci/: same badge');
    isnt(badge("/plugins/badges/$id.svg", vhost => 'bbw_subpath')->code, 200, 'outside the mount: not a badge');

    my $view = server_url('bbw_view');
    my $admin = (login($view, 'admin', 'admin-pass'))[1];
    my %ci = map { $_->{builderid} => 1 }
             @{ rows('SELECT builderid FROM builders_tags, tags WHERE tags.id = builders_tags.tagid'
                     . " AND tags.name = 'ci'") };
    my $missing = http(GET => "$view/badges/999999.svg");
    for my $bid (@builderids) {
        my $anon = http(GET => "$view/badges/$bid.svg");
        my $named = http(GET => "$view/plugins/badges/$builder_name{$bid}.png");
        my $staff = http(GET => "$view/badges/$bid.svg", headers => [cookie_header($admin)]);
        is($staff->code, 200, "view: staff sees builder $bid");
        if ($ci{$bid}) {
            is($anon->code, 200, "view: anonymous sees ci builder $bid");
            is($named->code, 200, "view: anonymous sees ci builder $bid by name");
        }
        else {
            is($anon->code, 404, "view: hidden builder $bid: 404");
            is($anon->content, $missing->content, "view: hidden builder $bid answers as a missing one");
            is($named->code, 404, "view: hidden builder $bid by name: 404");
        }
    }
}

done_testing();

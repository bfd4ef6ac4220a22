# The views data endpoint (mod_bbwww/bbw_views.c, htdocs/README.md "views"):
# views/waterfall.json, views/console.json and views/grid.json, each checked
# against answers computed here from the fixture database (builds as
# columns: parallel arrays, times relative to builds.t0; state_string and
# workerid with details=1); windows, limits, bounds and bad parameters; gzip
# when the request accepts it; BuildbotViewBuilders visibility (vhost
# bbw_views_view: everyone sees the builders tagged "ci", admin all) and a
# read rule that refuses anonymous users (bbw_views_private), both in
# t/conf/views.last.conf.in.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Encode ();
use List::Util qw(min);
use IO::Uncompress::Gunzip qw(gunzip $GunzipError);
use BBW::Test;
use BBW::Oracle qw(rows value);
use BBW::Session;

sub int_or_null { defined $_[0] ? 0 + $_[0] : undef }
sub str_or_null { defined $_[0] ? "$_[0]" : undef }

# The first 400 bytes of UTF-8 text, not splitting a character.
sub cut {
    my $s = shift;
    return undef unless defined $s;
    my $bytes = Encode::encode('UTF-8', $s);
    return "$s" if length $bytes <= 400;
    my $n = 400;
    $n-- while $n > 0 && (ord(substr($bytes, $n, 1)) & 0xC0) == 0x80;
    return Encode::decode('UTF-8', substr($bytes, 0, $n));
}

# views(NAME, QUERY, %options) -> ($response, $data), main server unless vhost/base.
sub views {
    my ($name, $query, %opt) = @_;
    my $path = "/views/$name.json" . (defined $query && length $query ? "?$query" : '');
    if ($opt{base}) {
        my $res = http($opt{method} || 'GET' => "$opt{base}$path",
                       headers => [$opt{token} ? cookie_header($opt{token}) : ()]);
        return ($res, decode_body($res));
    }
    my $res = request($opt{method} || 'GET', $path, headers => $opt{headers} || []);
    return ($res, decode_body($res));
}

sub is_view_error {
    my ($res, $status, $message, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    is($res->code, $status, "$name: $status");
    is(scalar $res->header('Content-Type'), 'application/json; charset=utf-8', "$name: JSON");
    my $data = decode_body($res);
    if (ref $message eq 'Regexp') {
        like(ref $data eq 'HASH' ? $data->{error} // '' : '', $message, "$name: message");
    }
    else {
        is_deeply($data, { error => $message }, "$name: message");
    }
}

# ---- expected answers from the database ----

my %visible_ci = map { $_ => 1 } (1, 2, 4);

sub want_builders {
    my $keep = shift || sub { 1 };
    my @out;
    for my $b (@{ rows('SELECT id, name, description FROM builders ORDER BY id') }) {
        next unless $keep->($b->{id});
        my $tags = rows('SELECT t.name FROM builders_tags bt JOIN tags t ON t.id = bt.tagid
                         WHERE bt.builderid = ? ORDER BY bt.id', $b->{id});
        push @out, { builderid => 0 + $b->{id}, name => "$b->{name}",
                     description => str_or_null($b->{description}),
                     tags => [ map { "$_->{name}" } @$tags ] };
    }
    return \@out;
}

sub want_waterfall_builds {
    my ($since, $until, $keep) = @_;
    $keep ||= sub { 1 };
    my $r = rows('SELECT * FROM builds WHERE started_at <= ? AND (complete_at IS NULL OR complete_at >= ?)
                  ORDER BY started_at DESC, id DESC', $until, $since);
    return [ map { { buildid => 0 + $_->{id}, builderid => 0 + $_->{builderid},
                     number => 0 + $_->{number}, started_at => 0 + $_->{started_at},
                     complete_at => int_or_null($_->{complete_at}),
                     results => int_or_null($_->{results}),
                     state_string => "$_->{state_string}",
                     workerid => int_or_null($_->{workerid}) } }
             grep { $keep->($_->{builderid}) } @$r ];
}

# Rows (as want_waterfall_builds gives them) as the waterfall's columns:
# times relative to t0 (the window's since); state_string and workerid only
# with details.
sub waterfall_columns {
    my ($rows, $t0, $details) = @_;
    my %c = (t0 => 0 + $t0, map { $_ => [] } qw(buildid builderid number started_at complete_at results));
    if ($details) { $c{state_string} = []; $c{workerid} = [] }
    for my $r (@$rows) {
        push @{ $c{$_} }, $r->{$_} for qw(buildid builderid number results);
        push @{ $c{started_at} }, $r->{started_at} - $t0;
        push @{ $c{complete_at} }, defined $r->{complete_at} ? $r->{complete_at} - $t0 : undef;
        if ($details) { push @{ $c{$_} }, $r->{$_} for qw(state_string workerid) }
    }
    return \%c;
}

# Rows (as want_linked_builds gives them) as the console's or grid's columns:
# t0 = the smallest started_at (0 without builds), complete as 0/1, links
# as one id or a list.
sub linked_columns {
    my ($rows, $link_key, $details) = @_;
    my @starts = grep { defined } map { $_->{started_at} } @$rows;
    my $t0 = @starts ? min(@starts) : 0;
    my %c = (t0 => 0 + $t0, map { $_ => [] } qw(buildid builderid number results complete started_at), $link_key);
    $c{state_string} = [] if $details;
    for my $r (@$rows) {
        push @{ $c{$_} }, $r->{$_} for qw(buildid builderid number results);
        push @{ $c{complete} }, $r->{complete} ? 1 : 0;
        push @{ $c{started_at} }, defined $r->{started_at} ? $r->{started_at} - $t0 : undef;
        my $links = $r->{$link_key};
        push @{ $c{$link_key} }, @$links == 1 ? $links->[0] : $links;
        push @{ $c{state_string} }, $r->{state_string} if $details;
    }
    return \%c;
}

sub newest_activity {
    my $keep = shift || sub { 1 };
    my $newest = -1;
    for my $b (@{ rows('SELECT builderid, started_at, complete_at FROM builds') }) {
        next unless $keep->($b->{builderid});
        for my $t ($b->{started_at}, $b->{complete_at}) {
            $newest = $t if defined $t && $t > $newest;
        }
    }
    return $newest;
}

# Builds linked to ids by a query returning (build row, link); link_key
# names the list.
sub want_linked_builds {
    my ($sql, $link_key, $keep) = @_;
    $keep ||= sub { 1 };
    my (@out, %seen);
    for my $r (@{ rows($sql) }) {
        next unless $keep->($r->{builderid});
        if (!$seen{$r->{id}}) {
            push @out, { buildid => 0 + $r->{id}, builderid => 0 + $r->{builderid},
                         number => 0 + $r->{number}, results => int_or_null($r->{results}),
                         complete => defined $r->{complete_at} ? true : false,
                         started_at => 0 + $r->{started_at},
                         state_string => "$r->{state_string}", $link_key => [] };
            $seen{$r->{id}} = $out[-1];
        }
        my $links = $seen{$r->{id}}{$link_key};
        push @$links, 0 + $r->{link} unless @$links && $links->[-1] == $r->{link};
    }
    return \@out;
}

sub want_console {
    my ($n, $keep, $change_ok, $details) = @_;
    $keep ||= sub { 1 };
    $change_ok ||= sub { 1 };
    my @changes = grep { $change_ok->($_->{changeid}) }
                  @{ rows('SELECT * FROM changes ORDER BY changeid DESC') };
    splice @changes, $n if @changes > $n;
    my $ids = join(',', map { $_->{changeid} } @changes) || 'NULL';
    return {
        changes => [ map { { changeid => 0 + $_->{changeid}, author => "$_->{author}",
                             comments => cut($_->{comments}),
                             revision => str_or_null($_->{revision}),
                             branch => str_or_null($_->{branch}),
                             when_timestamp => 0 + $_->{when_timestamp},
                             repository => "$_->{repository}", project => "$_->{project}" } }
                     @changes ],
        builders => want_builders($keep),
        builds => linked_columns(want_linked_builds(
            "SELECT b.*, ch.changeid AS link FROM changes ch
               JOIN buildset_sourcestamps bss ON bss.sourcestampid = ch.sourcestampid
               JOIN buildrequests br ON br.buildsetid = bss.buildsetid
               JOIN builds b ON b.buildrequestid = br.id
              WHERE ch.changeid IN ($ids) ORDER BY b.id DESC, ch.changeid", 'changeids', $keep),
            'changeids', $details),
        truncated => false,
    };
}

sub want_grid {
    my ($n, $branch, $keep, $details) = @_;
    $keep ||= sub { 1 };
    my (@ids, %seen);
    my $links = rows('SELECT bss.sourcestampid, bss.buildsetid, ss.branch FROM buildset_sourcestamps bss
                      JOIN sourcestamps ss ON ss.id = bss.sourcestampid
                      ORDER BY bss.buildsetid DESC, bss.id DESC');
    for my $l (@$links) {
        last if @ids >= $n;
        next if $seen{$l->{sourcestampid}};
        next if defined $branch && (!defined $l->{branch} || $l->{branch} ne $branch);
        my $requests = rows('SELECT builderid FROM buildrequests WHERE buildsetid = ?', $l->{buildsetid});
        next unless grep { $keep->($_->{builderid}) } @$requests;
        $seen{$l->{sourcestampid}} = 1;
        push @ids, $l->{sourcestampid};
    }
    my @revisions;
    for my $id (@ids) {
        my $ss = rows('SELECT * FROM sourcestamps WHERE id = ?', $id)->[0];
        my $ch = rows('SELECT * FROM changes WHERE sourcestampid = ? ORDER BY changeid DESC', $id)->[0];
        push @revisions, {
            ssid => 0 + $id, branch => str_or_null($ss->{branch}),
            revision => str_or_null($ss->{revision}), repository => "$ss->{repository}",
            codebase => "$ss->{codebase}", project => "$ss->{project}",
            created_at => 0 + $ss->{created_at},
            change => $ch ? { changeid => 0 + $ch->{changeid}, author => "$ch->{author}",
                              comments => cut($ch->{comments}),
                              when_timestamp => 0 + $ch->{when_timestamp} } : undef,
        };
    }
    my $in = join(',', @ids) || 'NULL';
    my $branches = rows(q{SELECT DISTINCT branch FROM sourcestamps
                          WHERE branch IS NOT NULL AND branch <> '' ORDER BY branch});
    # With hidden builders, only branches a visible builder built are named.
    if (grep { !$keep->($_->{id}) } @{ rows('SELECT id FROM builders') }) {
        $branches = [ grep {
            my $b = $_->{branch};
            grep { $keep->($_->{builderid}) } @{ rows(q{SELECT br.builderid FROM sourcestamps ss
                JOIN buildset_sourcestamps bss ON bss.sourcestampid = ss.id
                JOIN buildrequests br ON br.buildsetid = bss.buildsetid WHERE ss.branch = ?}, $b) }
        } @$branches ];
    }
    return {
        branch => $branch, branches => [ map { "$_->{branch}" } @$branches ],
        revisions => \@revisions, builders => want_builders($keep),
        builds => linked_columns(want_linked_builds(
            "SELECT b.*, bss.sourcestampid AS link FROM buildset_sourcestamps bss
               JOIN buildrequests br ON br.buildsetid = bss.buildsetid
               JOIN builds b ON b.buildrequestid = br.id
              WHERE bss.sourcestampid IN ($in) ORDER BY b.id DESC, bss.sourcestampid", 'ssids', $keep),
            'ssids', $details),
        truncated => false,
    };
}

# ---- waterfall ----
{
    my $until = newest_activity();
    my $since = $until - 86400;
    my ($res, $got) = views('waterfall');
    is($res->code, 200, 'waterfall: 200');
    is(scalar $res->header('Content-Type'), 'application/json; charset=utf-8', 'waterfall: JSON');
    like($res->content, qr/^\{"builders":\[\{"builderid":1,"name":/, 'waterfall: compact JSON');
    is_json($got, { builders => want_builders(), builds => waterfall_columns(want_waterfall_builds($since, $until), $since),
                    truncated => false, window => { since => $since, until => $until } },
            'waterfall: default window = 24 h ending at the newest build activity');
    ok(@{ $got->{builds}{buildid} } > 0, 'waterfall: the default window holds builds');
    (undef, $got) = views('waterfall', 'details=1');
    is_json($got->{builds}, waterfall_columns(want_waterfall_builds($since, $until), $since, 1),
            'waterfall: details=1 adds state_string and workerid');
    (undef, $got) = views('waterfall', 'details=0');
    is_json($got->{builds}, waterfall_columns(want_waterfall_builds($since, $until), $since),
            'waterfall: details=0 is the default');

    my $all = value('SELECT COUNT(*) FROM builds');
    (undef, $got) = views('waterfall', 'since=0&until=2147483647');
    is(scalar @{ $got->{builds}{buildid} }, $all, 'waterfall: a wide window holds every build');
    is_json($got->{builds}, waterfall_columns(want_waterfall_builds(0, 2147483647), 0), 'waterfall: every build, newest first');

    # A window in the middle: overlap, not containment.
    my $b = rows('SELECT * FROM builds WHERE complete_at IS NOT NULL AND complete_at > started_at + 20
                  ORDER BY id')->[0];
    my ($s, $u) = ($b->{started_at} + 10, $b->{started_at} + 15);
    (undef, $got) = views('waterfall', "since=$s&until=$u");
    is_json($got, { builders => want_builders(), builds => waterfall_columns(want_waterfall_builds($s, $u), $s),
                    truncated => false, window => { since => 0 + $s, until => 0 + $u } },
            'waterfall: an explicit window');
    ok((grep { $_ == $b->{id} } @{ $got->{builds}{buildid} }),
       'waterfall: a build running across the whole window is in it');
    ok((grep { $_ < 0 } @{ $got->{builds}{started_at} }),
       'waterfall: a build started before the window has a negative started_at');

    (undef, $got) = views('waterfall', "until=$u");
    is_json($got->{window}, { since => $u - 86400, until => 0 + $u }, 'waterfall: until alone: 24 h before it');
    (undef, $got) = views('waterfall', "since=$s");
    is_json($got->{window}, { since => 0 + $s, until => $until }, 'waterfall: since alone: up to the newest activity');
    (undef, $got) = views('waterfall', 'since=1&until=2');
    is_json([$got->{builds}, $got->{truncated}], [waterfall_columns([], 1), false], 'waterfall: an empty window');

    (undef, $got) = views('waterfall', 'since=0&until=2147483647&limit=3');
    is_json($got->{builds}, waterfall_columns([ @{ want_waterfall_builds(0, 2147483647) }[0 .. 2] ], 0),
            'waterfall: limit keeps the newest');
    is_json($got->{truncated}, true, 'waterfall: limit: truncated');
    (undef, $got) = views('waterfall', "since=0&until=2147483647&limit=$all");
    is_json($got->{truncated}, false, 'waterfall: limit = number of builds: not truncated');

    (undef, $got) = views('waterfall', 'since=0&until=2147483647&builders=2,1,999');
    my $only = sub { $_[0] == 1 || $_[0] == 2 };
    is_json($got, { builders => want_builders($only), builds => waterfall_columns(want_waterfall_builds(0, 2147483647, $only), 0),
                    truncated => false, window => { since => 0, until => 2147483647 } },
            'waterfall: builders= narrows builders and builds; unknown ids ignored');

    ($res) = views('waterfall', '', method => 'HEAD');
    my ($full) = views('waterfall');
    is($res->code, 200, 'waterfall: HEAD 200');
    is($res->content, '', 'waterfall: HEAD has no body');
    is($res->header('Content-Length'), length $full->content, 'waterfall: HEAD Content-Length');
}

# ---- bad parameters, unknown views, methods ----
for my $case (
    ['waterfall', 'limit=0', qr/^invalid limit: expected an integer from 1 to 100000$/],
    ['waterfall', 'limit=100001', qr/^invalid limit/],
    ['waterfall', 'limit=abc', qr/^invalid limit/],
    ['waterfall', 'limit=', qr/^invalid limit/],
    ['waterfall', 'since=-1', qr/^invalid since/],
    ['waterfall', 'until=1e9', qr/^invalid until/],
    ['waterfall', 'until=2147483648', qr/^invalid until: expected an integer from 0 to 2147483647$/],
    ['waterfall', 'since=10&until=5', 'invalid window: since is after until'],
    ['waterfall', 'builders=1,,2', qr/^invalid builders/],
    ['waterfall', 'builders=x', qr/^invalid builders/],
    ['waterfall', 'builders=' . join(',', (1) x 1001), qr/^invalid builders/],
    ['waterfall', 'limit=1&limit=2', "parameter 'limit' given twice"],
    ['waterfall', 'order=-buildid', "unknown parameter 'order'"],
    ['waterfall', 'since=%zz', 'invalid query string'],
    ['waterfall', 'details=2', qr/^invalid details: expected an integer from 0 to 1$/],
    ['console', 'details=yes', qr/^invalid details/],
    ['grid', 'details=1&details=1', "parameter 'details' given twice"],
    ['console', 'changes=0', qr/^invalid changes: expected an integer from 1 to 200$/],
    ['console', 'changes=201', qr/^invalid changes/],
    ['console', 'limit=5', "unknown parameter 'limit'"],
    ['grid', 'revisions=0', qr/^invalid revisions: expected an integer from 1 to 100$/],
    ['grid', 'revisions=101', qr/^invalid revisions/],
    ['grid', 'branch=', 'invalid branch: expected 1 to 256 bytes'],
    ['grid', 'branch=' . ('b' x 257), 'invalid branch: expected 1 to 256 bytes'],
) {
    my ($name, $query, $message) = @$case;
    my ($res) = views($name, $query);
    is_view_error($res, 400, $message, "$name?" . substr($query, 0, 40));
}
{
    my ($res) = views('nosuch');
    is_view_error($res, 404, 'no such view: nosuch.json', 'unknown view');
    $res = request('GET', '/views/waterfall');
    is_view_error($res, 404, 'no such view: waterfall', 'view without .json');
    for my $method (qw(POST PUT DELETE)) {
        ($res) = views('console', '', method => $method);
        is_view_error($res, 405, 'method not allowed: use GET or HEAD', "$method console");
        is($res->header('Allow'), 'GET, HEAD', "$method console: Allow");
    }
}

# ---- console ----
{
    my ($res, $got) = views('console');
    is($res->code, 200, 'console: 200');
    is_json($got, want_console(25), 'console: the 25 newest changes, builders, linked builds');
    ok(@{ $got->{builds}{buildid} } > 0, 'console: the fixture links builds to changes');
    is(scalar @{ $got->{builds}{changeids} }, scalar @{ $got->{builds}{buildid} },
       'console: every build names its changes');
    ok(!grep({ ref $_ && @$_ < 2 } @{ $got->{builds}{changeids} }), 'console: lists only for several changes');
    (undef, $got) = views('console', 'details=1');
    is_json($got, want_console(25, undef, undef, 1), 'console: details=1 adds state_string');
    (undef, $got) = views('console', 'changes=3');
    is_json($got, want_console(3), 'console: changes=3');
    is(scalar @{ $got->{changes} }, 3, 'console: 3 changes');
    (undef, $got) = views('console', 'changes=200');
    is_json($got, want_console(200), 'console: changes=200 (the maximum)');
}

# ---- grid ----
{
    my ($res, $got) = views('grid');
    is($res->code, 200, 'grid: 200');
    is_json($got, want_grid(10), 'grid: 10 newest source stamps, builders, builds');
    (undef, $got) = views('grid', 'details=1');
    is_json($got, want_grid(10, undef, undef, 1), 'grid: details=1 adds state_string');
    (undef, $got) = views('grid', 'revisions=2');
    is_json($got, want_grid(2), 'grid: revisions=2');
    is(scalar @{ $got->{revisions} }, 2, 'grid: 2 columns');
    (undef, $got) = views('grid', 'branch=main&revisions=100');
    is_json($got, want_grid(100, 'main'), 'grid: branch=main');
    ok(!grep({ ($_->{branch} // '') ne 'main' } @{ $got->{revisions} }), 'grid: only main columns');
    (undef, $got) = views('grid', 'branch=no%2Fsuch');
    is_json([$got->{branch}, $got->{revisions}, $got->{builds}], ['no/such', [], linked_columns([], 'ssids')],
            'grid: unknown branch: empty');
}

# ---- gzip (Accept-Encoding) ----
{
    my $gzip = sub {
        my ($name, $query, $accept, $method) = @_;
        return (views($name, $query, headers => ['Accept-Encoding' => $accept], method => $method))[0];
    };
    for my $case (['waterfall', 'since=0&until=2147483647'], ['console', ''], ['grid', 'details=1']) {
        my ($name, $query) = @$case;
        my ($plain) = views($name, $query);
        is($plain->header('Content-Encoding'), undef, "$name: no Accept-Encoding: identity");
        like($plain->header('Vary') // '', qr/\bAccept-Encoding\b/, "$name: Vary: Accept-Encoding");
        # twice: computed, then (response cache) served again
        for my $round (1, 2) {
            my $res = $gzip->($name, $query, 'deflate, gzip;q=0.8, br');
            is($res->code, 200, "$name gzip ($round): 200");
            is($res->header('Content-Encoding'), 'gzip', "$name gzip ($round): Content-Encoding");
            like($res->header('Vary') // '', qr/\bAccept-Encoding\b/, "$name gzip ($round): Vary");
            is($res->header('Content-Length'), length $res->content, "$name gzip ($round): Content-Length");
            my $body = $res->content;
            my $out;
            ok(gunzip(\$body => \$out), "$name gzip ($round): gunzips") or diag $GunzipError;
            ok(defined $out && $out eq $plain->content, "$name gzip ($round): the same answer");
            ok(length $body < length $plain->content, "$name gzip ($round): smaller");
        }
        my $res = $gzip->($name, $query, 'gzip', 'HEAD');
        my $full = $gzip->($name, $query, 'gzip');
        is($res->header('Content-Encoding'), 'gzip', "$name gzip HEAD: Content-Encoding");
        is($res->header('Content-Length'), length $full->content, "$name gzip HEAD: Content-Length");
        is($res->content, '', "$name gzip HEAD: no body");
        for my $refused ('gzip;q=0', 'gzip; q=0.0, identity', 'br, deflate', 'gzipx') {
            $res = $gzip->($name, $query, $refused);
            is($res->header('Content-Encoding'), undef, "$name '$refused': identity");
            is($res->content, $plain->content, "$name '$refused': the same answer");
        }
        $res = $gzip->($name, $query, 'X-GZIP');
        is($res->header('Content-Encoding'), 'gzip', "$name x-gzip (any case): gzip");
    }
    my ($res) = views('waterfall', 'limit=0', headers => ['Accept-Encoding' => 'gzip']);
    is_view_error($res, 400, qr/^invalid limit/, 'gzip: errors stay plain');
}

# ---- visibility (bbw_views_view) ----
{
    my $view = server_url('bbw_views_view');
    my $admin = (login($view, 'admin', 'admin-pass'))[1];
    my $dev = (login($view, 'dev', 'dev-pass'))[1];
    ok($admin && $dev, 'visibility: logged in');
    my $keep = sub { $visible_ci{$_[0]} };
    my $only_hidden = rows(q{SELECT DISTINCT ch.changeid FROM changes ch
        JOIN buildset_sourcestamps bss ON bss.sourcestampid = ch.sourcestampid
        JOIN buildrequests br ON br.buildsetid = bss.buildsetid WHERE br.builderid NOT IN (1, 2, 4)
        AND NOT EXISTS (SELECT 1 FROM buildset_sourcestamps b2 JOIN buildrequests r2 ON r2.buildsetid = b2.buildsetid
                        WHERE b2.sourcestampid = ch.sourcestampid AND r2.builderid IN (1, 2, 4))});
    my %gone = map { $_->{changeid} => 1 } @$only_hidden;
    my $hidden_builds = value('SELECT COUNT(*) FROM builds WHERE builderid NOT IN (1, 2, 4)');
    ok($hidden_builds > 0, 'visibility: the fixture has builds of hidden builders');

    for my $who (['anonymous', undef], ['dev', $dev]) {
        my ($label, $t) = @$who;
        my ($res, $got) = views('waterfall', 'since=0&until=2147483647', base => $view, token => $t);
        is($res->code, 200, "$label: waterfall 200");
        is_json($got, { builders => want_builders($keep), builds => waterfall_columns(want_waterfall_builds(0, 2147483647, $keep), 0),
                        truncated => false, window => { since => 0, until => 2147483647 } },
                "$label: waterfall without hidden builders and their builds");
        (undef, $got) = views('waterfall', '', base => $view, token => $t);
        my $until = newest_activity($keep);
        is_json($got->{window}, { since => $until - 86400, until => $until },
                "$label: default window from visible builds only");
        (undef, $got) = views('waterfall', 'since=0&until=2147483647&builders=3,1', base => $view, token => $t);
        is_json([map { $_->{builderid} } @{ $got->{builders} }], [1], "$label: builders= cannot reveal a hidden builder");
        ok(!grep({ !$keep->($_) } @{ $got->{builds}{builderid} }), "$label: nor its builds");
        (undef, $got) = views('console', '', base => $view, token => $t);
        is_json($got, want_console(25, $keep, sub { !$gone{$_[0]} }),
                "$label: console without hidden builders, their builds, and changes only they built");
        (undef, $got) = views('grid', '', base => $view, token => $t);
        is_json($got, want_grid(10, undef, $keep), "$label: grid without hidden builders' columns and builds");
    }
    my ($res, $got) = views('waterfall', 'since=0&until=2147483647', base => $view, token => $admin);
    is_json($got->{builds}, waterfall_columns(want_waterfall_builds(0, 2147483647), 0), 'admin (staff): every build');
    is(scalar @{ $got->{builders} }, value('SELECT COUNT(*) FROM builders'), 'admin: every builder');
    is($res->header('Cache-Control'), 'private', 'visibility: Cache-Control private');
    like($res->header('Vary') // '', qr/\bCookie\b/, 'visibility: Vary: Cookie');
    ok($res->header('Expires'), 'visibility: Expires with BuildbotJSONCacheSeconds');
    # The response cache is partitioned by audience: same URL, other answers.
    (undef, $got) = views('waterfall', 'since=0&until=2147483647', base => $view);
    is_json($got->{builds}, waterfall_columns(want_waterfall_builds(0, 2147483647, $keep), 0), 'anonymous after admin: still filtered');
    (undef, $got) = views('console', '', base => $view, token => $admin);
    is_json($got, want_console(25), 'admin: full console after anonymous');
}

# ---- read rules (bbw_views_private) ----
{
    my $private = server_url('bbw_views_private');
    my $viewer = (login($private, 'viewer', 'viewer-pass'))[1];
    my $dev = (login($private, 'dev', 'dev-pass'))[1];
    for my $name (qw(waterfall console grid)) {
        my ($res) = views($name, '', base => $private);
        is_view_error($res, 403, "you need to have role 'reader'", "anonymous $name on a private site");
        ($res) = views($name, '', base => $private, token => $dev);
        is_view_error($res, 403, "you need to have role 'reader'", "dev (no role) $name");
        ($res) = views($name, '', base => $private, method => 'HEAD');
        is($res->code, 403, "anonymous HEAD $name: 403");
        my $got;
        ($res, $got) = views($name, '', base => $private, token => $viewer);
        is($res->code, 200, "viewer (reader) $name: 200");
        ok(ref $got eq 'HASH' && $got->{builds}, "viewer $name: an answer");
    }
}

done_testing();

# Query parameters (rest-api.md §5, §6): field, order, limit, offset,
# property, and the filter operators eq ne lt le gt ge contains in notin on
# integer, string, identifier, boolean, datetime and list fields, both where
# the pipeline runs in Python (builders, changes, steps, ...) and where it is
# pushed down to SQL (builds).
use strict;
use warnings;
use utf8;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use URI::Escape ();
use BBW::Test;
use BBW::Oracle;

my $builders = BBW::Oracle::builders();
my $builds = BBW::Oracle::builds();
my $changes = BBW::Oracle::changes_by_id();
ok(@$builders >= 5 && @$builds >= 10 && @$changes >= 5, 'fixture is large enough') or BAIL_OUT('fixture');

# Python's sort key (resultspec NoneComparator): None below everything.
sub pycmp {
    my ($x, $y) = @_;
    return 0 if !defined $x && !defined $y;
    return -1 if !defined $x;
    return 1 if !defined $y;
    if (ref $x eq 'ARRAY') {
        for my $i (0 .. ($#$x < $#$y ? $#$x : $#$y)) {
            my $c = pycmp($x->[$i], $y->[$i]);
            return $c if $c;
        }
        return @$x <=> @$y;
    }
    $x = $x ? 1 : 0 if JSON::PP::is_bool($x);
    $y = $y ? 1 : 0 if JSON::PP::is_bool($y);
    return $x =~ /^-?\d+\z/ && $y =~ /^-?\d+\z/ ? $x <=> $y : $x cmp $y;
}

sub ordered {
    my ($list, @keys) = @_;
    return [ sort {
        my $c = 0;
        for my $k (@keys) {
            my ($desc, $f) = $k =~ /^(-?)(.*)$/;
            $c = $desc ? pycmp($b->{$f}, $a->{$f}) : pycmp($a->{$f}, $b->{$f});
            last if $c;
        }
        $c;
    } @$list ];
}

sub project {
    my ($list, @fields) = @_;
    return [ map { my $e = $_; +{ map { $_ => $e->{$_} } @fields } } @$list ];
}

# query_ok(PATH, PLURAL, WANT, TOTAL, NAME): exact list (order included).
sub query_ok {
    my ($path, $plural, $want, $total, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my ($res, $data) = api($path);
    my $items = check_envelope($res, $data, $plural, $name || $path, total => $total // scalar @$want);
    is_json($items, $want, ($name || $path) . ": $plural");
}

# unordered_ok: the same, comparing the lists sorted by KEY.
sub unordered_ok {
    my ($path, $plural, $key, $want, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my ($res, $data) = api($path);
    my $items = check_envelope($res, $data, $plural, $name || $path, total => scalar @$want);
    is_json([ sort { $a->{$key} <=> $b->{$key} } @$items ],
            [ sort { $a->{$key} <=> $b->{$key} } @$want ], ($name || $path) . ": $plural");
}

sub esc { URI::Escape::uri_escape_utf8($_[0]) }

# ids_ok(PATH, WANT, NAME): the changeids of a /changes query, in order.
sub ids_ok {
    my ($path, $want, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my ($res, $data) = api($path);
    my $items = check_envelope($res, $data, 'changes', $name || $path, total => scalar @$want);
    is_json(ids_of(changeid => $items), ids_of(changeid => $want), ($name || $path) . ': changeids');
}

my $n = @$builders;

# --- field ----------------------------------------------------------------------
query_ok('builders?field=name', 'builders', project($builders, 'name'), $n);
query_ok('builders?field=name&field=builderid', 'builders', project($builders, qw(builderid name)), $n);
query_ok('builders?field=tags&field=name&field=masterids', 'builders', project($builders, qw(masterids name tags)), $n);
unordered_ok('builds?field=buildid&field=complete', 'builds', 'buildid', project($builds, qw(buildid complete)));
{
    my ($res, $data) = api("builds/$builds->[0]{buildid}?field=number");
    my $items = check_envelope($res, $data, 'builds', 'field on a single endpoint', single => 1);
    is_json($items, [{ number => $builds->[0]{number} }], 'field on a single endpoint: projected');
}

# --- order ------------------------------------------------------------------------
query_ok('builders?order=name', 'builders', ordered($builders, 'name'), $n);
query_ok('builders?order=-name', 'builders', ordered($builders, '-name'), $n);
query_ok('builders?order=description', 'builders', ordered($builders, 'description'), $n,
         'order on a nullable string: null first');
query_ok('builders?order=-description', 'builders', ordered($builders, '-description'), $n,
         'descending: null last');
query_ok('builders?order=tags&order=-builderid', 'builders', ordered($builders, 'tags', '-builderid'), $n,
         'order on a list field, then descending id');
query_ok('builds?order=builderid&order=-number', 'builds', ordered($builds, 'builderid', '-number'),
         scalar @$builds, 'builds: two SQL order keys');
query_ok('builds?order=-complete&order=-buildid', 'builds', ordered($builds, '-complete', '-buildid'),
         scalar @$builds, 'builds: unmapped key first, SQL key as tie-breaker');
# changeid is ordered in SQL, the list reversed, then author re-sorted in
# Python (stable): ties on author stay in ascending changeid (§6.4, §6.5).
query_ok('changes?order=author&order=-changeid&field=changeid&field=author', 'changes',
         project(ordered($changes, 'author', 'changeid'), qw(author changeid)), scalar @$changes);

# --- limit and offset (Python side: total counts all matches) --------------------
query_ok('builders?limit=2', 'builders', [ @$builders[0, 1] ], $n);
query_ok('builders?offset=2', 'builders', [ @$builders[2 .. $#$builders] ], $n);
query_ok('builders?offset=1&limit=2', 'builders', [ @$builders[1, 2] ], $n);
query_ok('builders?limit=0', 'builders', [], $n);
query_ok('builders?offset=100', 'builders', [], $n);
query_ok('builders?offset=-1', 'builders', [ $builders->[-1] ], $n, 'negative offset counts from the end');
query_ok('builders?limit=-1', 'builders', [ @$builders[0 .. $#$builders - 1] ], $n, 'negative limit drops from the end');
query_ok('builders?limit=1&limit=3', 'builders', [ $builders->[0] ], $n, 'only the first limit counts');
query_ok('builders?limit=%202&offset=%2B1', 'builders', [ @$builders[1, 2] ], $n, 'int() syntax for limit/offset');
query_ok('builders?order=-builderid&limit=2&offset=1', 'builders', [ @{ ordered($builders, '-builderid') }[1, 2] ], $n);
# SQL side (builds): total = number returned.
query_ok('builds?order=buildid&limit=3&offset=2', 'builds', [ @$builds[2 .. 4] ], 3);
query_ok('builds?order=-buildid&limit=1', 'builds', [ $builds->[-1] ], 1);

# --- property is accepted (and ignored) everywhere -------------------------------
query_ok('builders?property=owner', 'builders', $builders, $n);
{
    my ($res, $data) = api("builders/$builders->[0]{builderid}?property=*");
    is_json($data->{builders}, [ $builders->[0] ], 'property= on a single builder: ignored');
}

# --- filters on an integer field, Python side (builders.builderid) ------------
my @ids = map { $_->{builderid} } @$builders;
my ($lo, $mid, $hi) = @ids[0, 2, -1];
my %int_cases = (
    "builderid=$mid"        => sub { $_[0] == $mid },
    "builderid__eq=$mid"    => sub { $_[0] == $mid },
    "builderid__ne=$mid"    => sub { $_[0] != $mid },
    "builderid__lt=$mid"    => sub { $_[0] < $mid },
    "builderid__le=$mid"    => sub { $_[0] <= $mid },
    "builderid__gt=$mid"    => sub { $_[0] > $mid },
    "builderid__ge=$mid"    => sub { $_[0] >= $mid },
    "builderid__in=$mid"    => sub { $_[0] == $mid },
    "builderid__notin=$mid" => sub { $_[0] != $mid },
    "builderid=$lo&builderid=$hi"               => sub { $_[0] == $lo || $_[0] == $hi },
    "builderid__in=$lo&builderid__in=$hi"       => sub { $_[0] == $lo || $_[0] == $hi },
    "builderid__ne=$lo&builderid__ne=$hi"       => sub { $_[0] != $lo && $_[0] != $hi },
    "builderid__notin=$lo&builderid__notin=$hi" => sub { $_[0] != $lo && $_[0] != $hi },
    "builderid__gt=$lo&builderid__gt=$mid"      => sub { 1 },    # 2 values: no gt, ignored
    "builderid__gt=$lo&builderid__lt=$hi"       => sub { $_[0] > $lo && $_[0] < $hi },
    "builderid=%2B$mid"     => sub { $_[0] == $mid },
    "builderid=%20$mid%20"  => sub { $_[0] == $mid },
);
for my $q (sort keys %int_cases) {
    query_ok("builders?$q", 'builders', [ grep { $int_cases{$q}->($_->{builderid}) } @$builders ]);
}

# --- filters on an integer field, SQL side (builds.number, builds.builderid) ---
my %sql_int = (
    'number=2'             => sub { $_[0]{number} == 2 },
    'number__ne=2'         => sub { $_[0]{number} != 2 },
    'number__lt=2'         => sub { $_[0]{number} < 2 },
    'number__le=2'         => sub { $_[0]{number} <= 2 },
    'number__gt=2'         => sub { $_[0]{number} > 2 },
    'number__ge=2'         => sub { $_[0]{number} >= 2 },
    'number__in=1&number__in=3'       => sub { $_[0]{number} == 1 || $_[0]{number} == 3 },
    'number__notin=1&number__notin=3' => sub { $_[0]{number} != 1 && $_[0]{number} != 3 },
    'number=1&number=3'    => sub { $_[0]{number} == 1 || $_[0]{number} == 3 },
    'number__lt=2&number__lt=3' => sub { 1 },
    "builderid=$lo&number__gt=1" => sub { $_[0]{builderid} == $lo && $_[0]{number} > 1 },
    'results=0'            => sub { defined $_[0]{results} && $_[0]{results} == 0 },
    'results__ne=0'        => sub { defined $_[0]{results} && $_[0]{results} != 0 },
    'results__le=1'        => sub { defined $_[0]{results} && $_[0]{results} <= 1 },
    'workerid__ne=1'       => sub { defined $_[0]{workerid} && $_[0]{workerid} != 1 },
);
for my $q (sort keys %sql_int) {
    unordered_ok("builds?$q", 'builds', 'buildid', [ grep { $sql_int{$q}->($_) } @$builds ]);
}
ok(scalar(grep { !defined $_->{results} } @$builds), 'fixture has builds with results null (SQL NULL semantics)');

# datetime on SQL: UNIX seconds.
{
    my @starts = sort { $a <=> $b } map { $_->{started_at} } @$builds;
    my $t = $starts[ @starts / 2 ];
    unordered_ok("builds?started_at__gt=$t", 'builds', 'buildid', [ grep { $_->{started_at} > $t } @$builds ]);
    unordered_ok("builds?started_at__le=$t", 'builds', 'buildid', [ grep { $_->{started_at} <= $t } @$builds ]);
    unordered_ok("builds?started_at=$t", 'builds', 'buildid', [ grep { $_->{started_at} == $t } @$builds ]);
    unordered_ok("builds?complete_at__lt=$t", 'builds', 'buildid',
                 [ grep { defined $_->{complete_at} && $_->{complete_at} < $t } @$builds ]);
}

# --- string fields -------------------------------------------------------------------
# SQL side: builds.state_string (binary comparison on SQLite, C collation on
# the test PostgreSQL cluster).
{
    my %states;
    $states{ $_->{state_string} }++ for @$builds;
    my ($common) = sort { $states{$b} <=> $states{$a} || $a cmp $b } keys %states;
    my $e = esc($common);
    unordered_ok("builds?state_string=$e", 'builds', 'buildid', [ grep { $_->{state_string} eq $common } @$builds ]);
    unordered_ok("builds?state_string__ne=$e", 'builds', 'buildid', [ grep { $_->{state_string} ne $common } @$builds ]);
    unordered_ok("builds?state_string__lt=$e", 'builds', 'buildid', [ grep { $_->{state_string} lt $common } @$builds ]);
    unordered_ok("builds?state_string__ge=$e", 'builds', 'buildid', [ grep { $_->{state_string} ge $common } @$builds ]);
    unordered_ok('builds?state_string__contains=fail', 'builds', 'buildid',
                 [ grep { index($_->{state_string}, 'fail') >= 0 } @$builds ]);
}
# Python side: changes.author, comments (exact, case-sensitive substring).
{
    my $author = $changes->[-1]{author};
    my $e = esc($author);
    ids_ok("changes?author=$e&order=changeid", [ reverse grep { $_->{author} eq $author } @$changes ],
           'changes?author=...&order=changeid: descending (reversal)');
    my @cases = (
        ['author__contains=Carol', sub { index($_[0]{author}, 'Carol') >= 0 }],
        ['author__contains=carol', sub { index($_[0]{author}, 'carol') >= 0 }],
        ['author__ne=' . $e, sub { $_[0]{author} ne $author }],
        ['author__lt=D', sub { $_[0]{author} lt 'D' }],
        ['author__gt=D', sub { $_[0]{author} gt 'D' }],
        ['author__in=eve&author__in=' . esc('Carol <carol@example.org>'),
         sub { $_[0]{author} eq 'eve' || $_[0]{author} eq 'Carol <carol@example.org>' }],
        ['author__notin=eve', sub { $_[0]{author} ne 'eve' }],
        ['comments__contains=' . esc('résumé'), sub { index($_[0]{comments}, 'résumé') >= 0 }],
        ['comments__contains=' . esc('×'), sub { index($_[0]{comments}, '×') >= 0 }],
        ['files__contains=setup.py', sub { grep { $_ eq 'setup.py' } @{ $_[0]{files} } }],
        ['files__contains=setup.py&files__contains=foo.c',
         sub { grep { $_ eq 'setup.py' || $_ eq 'foo.c' } @{ $_[0]{files} } }],
        ['branch=main&repository=' . esc($changes->[0]{repository}),
         sub { ($_[0]{branch} // '') eq 'main' && $_[0]{repository} eq $changes->[0]{repository} }],
        ['branch__ne=main', sub { !defined $_[0]{branch} || $_[0]{branch} ne 'main' }],
        ['when_timestamp__ge=' . $changes->[2]{when_timestamp},
         sub { $_[0]{when_timestamp} >= $changes->[2]{when_timestamp} }],
    );
    for my $case (@cases) {
        my ($q, $test) = @$case;
        ids_ok("changes?$q&order=-changeid", [ grep { $test->($_) } @$changes ]);
    }
    ok(scalar(grep { index($_->{comments}, 'résumé') >= 0 } @$changes), 'fixture has a non-ASCII comment');
}
# Nullable string on the Python side: ne keeps null (Python None != 'x').
{
    my ($d) = grep { defined } map { $_->{description} } @$builders;
    my $e = esc($d);
    query_ok("builders?description=$e", 'builders', [ grep { ($_->{description} // "\0") eq $d } @$builders ]);
    query_ok("builders?description__ne=$e", 'builders', [ grep { !defined $_->{description} || $_->{description} ne $d } @$builders ],
             undef, 'description__ne: null descriptions match');
    query_ok('builders?description__contains=' . esc('Übersicht'), 'builders',
             [ grep { index($_->{description} // '', 'Übersicht') >= 0 } @$builders ], undef,
             'contains with a non-ASCII value (null descriptions never match, D07)');
}

# --- identifier field (builder name: identifier(70)) --------------------------
{
    my %cases = (
        'name=lint'                        => sub { $_[0] eq 'lint' },
        'name__ne=lint'                    => sub { $_[0] ne 'lint' },
        'name__contains=int'               => sub { index($_[0], 'int') >= 0 },
        'name__in=lint&name__in=docs'      => sub { $_[0] eq 'lint' || $_[0] eq 'docs' },
        'name__notin=lint&name__notin=docs'=> sub { $_[0] ne 'lint' && $_[0] ne 'docs' },
        'name__lt=lint'                    => sub { $_[0] lt 'lint' },
        'name__ge=lint'                    => sub { $_[0] ge 'lint' },
    );
    for my $q (sort keys %cases) {
        query_ok("builders?$q", 'builders', [ grep { $cases{$q}->($_->{name}) } @$builders ]);
    }
}

# --- boolean fields --------------------------------------------------------------
{
    my ($b) = grep { grep { $_->{hidden} } @{ BBW::Oracle::steps_of_build($_->{buildid}) } } @$builds;
    ok($b, 'fixture has a build with a hidden step');
    my $steps = BBW::Oracle::steps_of_build($b->{buildid});
    for my $q (qw(hidden=true hidden=1 hidden=Yes hidden__eq=on)) {
        query_ok("builds/$b->{buildid}/steps?$q", 'steps', [ grep { $_->{hidden} } @$steps ]);
    }
    for my $q (qw(hidden=false hidden=0 hidden=NO hidden__ne=true hidden__notin=true)) {
        query_ok("builds/$b->{buildid}/steps?$q", 'steps', [ grep { !$_->{hidden} } @$steps ]);
    }
    query_ok("builds/$b->{buildid}/steps?hidden=true&hidden=false", 'steps', $steps, undef,
             'boolean eq with both values: all');
    query_ok("builds/$b->{buildid}/steps?complete=true&results=0", 'steps',
             [ grep { $_->{complete} && defined $_->{results} && $_->{results} == 0 } @$steps ]);
    # datetime outside SQL compares UNIX seconds (t/interop/DIFFERENCES.md D05, D06).
    my $t = $steps->[1]{started_at};
    query_ok("builds/$b->{buildid}/steps?started_at__gt=$t", 'steps',
             [ grep { defined $_->{started_at} && $_->{started_at} > $t } @$steps ], undef, 'steps started_at__gt (D05)');
    query_ok("builds/$b->{buildid}/steps?started_at=$t", 'steps',
             [ grep { defined $_->{started_at} && $_->{started_at} == $t } @$steps ], undef, 'steps started_at= (D06)');
}
{
    my $masters = BBW::Oracle::masters();
    query_ok('masters?active=true', 'masters', [ grep { $_->{active} } @$masters ]);
    query_ok('masters?active__ne=true', 'masters', [ grep { !$_->{active} } @$masters ]);
}

# --- list fields ----------------------------------------------------------------------
{
    my %cases = (
        'tags__contains=quick'                      => sub { grep { $_ eq 'quick' } @{ $_[0]{tags} } },
        'tags__contains=quick&tags__contains=docs'  => sub { grep { $_ eq 'quick' || $_ eq 'docs' } @{ $_[0]{tags} } },
        'tags=ci'                                   => sub { 0 },    # a list never equals a string
        'tags__ne=ci'                               => sub { 1 },
        'masterids__contains=2'                     => sub { grep { $_ == 2 } @{ $_[0]{masterids} } },
        'masterids__contains=1&tags__contains=ci'   => sub { (grep { $_ == 1 } @{ $_[0]{masterids} })
                                                              && (grep { $_ eq 'ci' } @{ $_[0]{tags} }) },
    );
    for my $q (sort keys %cases) {
        query_ok("builders?$q", 'builders', [ grep { $cases{$q}->($_) } @$builders ]);
    }
    query_ok('builders?tags__contains=quick&field=name&field=tags', 'builders',
             project([ grep { grep { $_ eq 'quick' } @{ $_->{tags} } } @$builders ], qw(name tags)), undef,
             'rest-examples §10: contains with field=');
}

# --- unknown operators and fields with __ are ignored ----------------------------
for my $q (qw(nosuch__eq=1 name__foo=1 builderid__between=1 builderid__gt=1&builderid__gt=0)) {
    query_ok("builders?$q", 'builders', $builders, $n, "builders?$q: silently ignored");
}

# --- field + filter + order + limit together ---------------------------------------
{
    my @want = grep { grep { $_ eq 'ci' } @{ $_->{tags} } } @$builders;
    query_ok('builders?field=name&field=tags&tags__contains=ci&order=-name&limit=2', 'builders',
             [ @{ project(ordered(\@want, '-name'), qw(name tags)) }[0, 1] ], scalar @want);
}

done_testing;

# Changes and sourcestamps (rest-api.md §3.11, §6.5; resource-types.md
# change, sourcestamp, patch, "§C Changes of a build").
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use URI::Escape ();
use JSON::PP ();
use BBW::Test;
use BBW::Oracle;

my $changes = BBW::Oracle::changes_by_id();
ok(@$changes >= 3, 'fixture has at least three changes') or BAIL_OUT('no changes');
my @ids = map { $_->{changeid} } @$changes;

# /changes without order: the reverse of the DB's natural order, which is
# engine-dependent; compare as a set.
{
    my ($res, $data) = api('changes');
    my $items = check_envelope($res, $data, 'changes', '/changes', total => scalar @$changes);
    is_json([ sort { $a->{changeid} <=> $b->{changeid} } @$items ], $changes,
            '/changes: every change, full entities');
}

# The reversal (§6.5): order=changeid comes out descending, -changeid ascending.
{
    my ($res, $data) = api('changes?order=changeid&field=changeid');
    is_json(ids_of(changeid => $data->{changes}), [ reverse @ids ], '/changes?order=changeid: descending ids');
    ($res, $data) = api('changes?order=-changeid&field=changeid');
    is_json(ids_of(changeid => $data->{changes}), \@ids, '/changes?order=-changeid: ascending ids');
    ($res, $data) = api('changes?order=-changeid&limit=2&field=changeid');
    check_envelope($res, $data, 'changes', '/changes?order=-changeid&limit=2', total => 2);
    is_json(ids_of(changeid => $data->{changes}), [ @ids[-2, -1] ],
            '/changes?order=-changeid&limit=2: the two newest, oldest first');
    ($res, $data) = api('changes?order=changeid&limit=2&field=changeid');
    is_json(ids_of(changeid => $data->{changes}), [ @ids[1, 0] ],
            '/changes?order=changeid&limit=2: the two oldest, newest first');

    # Unmapped filter: SQL sorts, the list is reversed, Python filters and
    # slices; total counts all matches.
    my %branches;
    $branches{ $_->{branch} }++ for grep { defined $_->{branch} } @$changes;
    my ($branch) = sort { $branches{$b} <=> $branches{$a} || $a cmp $b } keys %branches;
    my @on = grep { defined $_->{branch} && $_->{branch} eq $branch } @$changes;
    my $q = URI::Escape::uri_escape_utf8($branch);
    ($res, $data) = api("changes?order=-changeid&branch=$q&limit=1&field=changeid&field=branch");
    check_envelope($res, $data, 'changes', 'unmapped filter', total => scalar @on);
    is_json($data->{changes}, [{ changeid => $on[0]{changeid}, branch => $branch }],
            "/changes?order=-changeid&branch=$branch&limit=1: oldest matching change");
}

# Singles.
for my $c (@$changes) {
    is_entities("changes/$c->{changeid}", 'changes', [$c], "/changes/$c->{changeid}", single => 1);
}
{
    my ($res) = api('changes/99');
    my $exists = grep { $_ == 99 } @ids;
    SKIP: {
        skip 'change 99 exists in the fixture', 3 if $exists;
        is_error($res, 404, q{not found while getting from endpoint for /changes/n:changeid with arguments ResultSpec(**{'filters': [], 'fields': None, 'properties': [], 'order': None, 'limit': None, 'offset': None}) and {'changeid': 99}},
                 '/changes/99: exact not-found text (rest-examples §20)');
    }
}

# Non-ASCII text is escaped \uXXXX in both formats.
my ($intl) = grep { join('', $_->{author}, $_->{comments}, @{ $_->{files} }) =~ /[^\x00-\x7f]/ } @$changes;
SKIP: {
    skip 'fixture has no non-ASCII change', 4 unless $intl;
    my $res = request(GET => "/api/v2/changes/$intl->{changeid}", accept => 'application/json');
    unlike($res->content, qr/[^\x00-\x7f]/, 'non-ASCII change: compact body is ASCII');
    like($res->content, qr/\\u[0-9a-f]{4}/, 'non-ASCII change: \\uXXXX escapes (lower-case hex)');
    $res = request(GET => "/api/v2/changes/$intl->{changeid}");
    unlike($res->content, qr/[^\x00-\x7f]/, 'non-ASCII change: pretty body is ASCII');
    is($res->content, pretty_json({ changes => [$intl], meta => {} }), 'non-ASCII change: pretty body');
}

# Change properties: [value, "Change"].
my ($with_props) = grep { %{ $_->{properties} } } @$changes;
SKIP: {
    skip 'fixture has no change properties', 1 unless $with_props;
    my ($res, $data) = api("changes/$with_props->{changeid}?field=properties");
    is_json($data->{changes}, [{ properties => $with_props->{properties} }],
            'change properties as {name: [value, "Change"]}');
}

# /changes/{id}/properties_list: a _properties collection (Buildbot 3.7
# always answers 500 here; t/interop/DIFFERENCES.md D02).
for my $c (grep { %{ $_->{properties} } } @$changes) {
    my $path = "changes/$c->{changeid}/properties_list";
    my @rows = @{ BBW::Oracle::rows('SELECT property_name, property_value FROM change_properties
                                     WHERE changeid = ?', $c->{changeid}) };
    my ($res, $data) = api($path);
    my $items = check_envelope($res, $data, '_properties', "/$path (D02)", total => scalar @rows);
    is_json([ map { $_->{name} } @$items ], [ map { $_->{property_name} } @rows ], "/$path: names in row order");
    for my $item (@$items) {
        my $want = $c->{properties}{ $item->{name} // '' } or next;
        is($item->{source}, 'Change', "/$path $item->{name}: source Change");
        my $value = eval { JSON::PP->new->allow_nonref->decode($item->{value} // '') };
        is_json($value, $want->[0], "/$path $item->{name}: value is the JSON text of the value");
        is($item->{value}, BBW::Oracle::python_dumps($want->[0]), "/$path $item->{name}: json.dumps text")
            unless ref $want->[0] eq 'HASH';
    }
}
is_entities('changes/99999/properties_list', '_properties', [], 'unknown change: [] (D02)');

# Ids Buildbot rejects with an assertion are simply unknown here (D10, D11).
is_entities('changes/0/builds', 'builds', [], '/changes/0/builds: [] (D10)');
{
    my ($res) = api('changes/-1');
    is_error($res, 404, q{not found while getting from endpoint for /changes/n:changeid with arguments ResultSpec(**{'filters': [], 'fields': None, 'properties': [], 'order': None, 'limit': None, 'offset': None}) and {'changeid': -1}},
             '/changes/-1: 404 (D11)');
}

# /sourcestamps/{ssid}/changes: the newest change of that sourcestamp.
for my $ss (@{ BBW::Oracle::sourcestamps() }) {
    my @of = grep { $_->{sourcestamp}{ssid} == $ss->{ssid} } @$changes;
    is_entities("sourcestamps/$ss->{ssid}/changes", 'changes', @of ? [ $of[-1] ] : [],
                "/sourcestamps/$ss->{ssid}/changes");
}
is_entities('sourcestamps/99999/changes', 'changes', [], '/sourcestamps/99999/changes: []');

# --- changes of a build (§C) -------------------------------------------------
sub build_sourcestamps {
    my $buildid = shift;
    return BBW::Oracle::rows('SELECT s.* FROM builds b
        JOIN buildrequests br ON br.id = b.buildrequestid
        JOIN buildset_sourcestamps bss ON bss.buildsetid = br.buildsetid
        JOIN sourcestamps s ON s.id = bss.sourcestampid
       WHERE b.id = ? ORDER BY bss.id', $buildid);
}

sub latest_change_of_ss {
    my $ssid = shift;
    my $id = BBW::Oracle::value('SELECT MAX(changeid) FROM changes WHERE sourcestampid = ?', $ssid);
    return defined $id ? BBW::Oracle::change_by_id($id) : undef;
}

sub ss_key_set {
    my %set = map { join("\0", map { $_ // "\x{1}" } @$_{qw(repository branch codebase)}) => 1 } @{ $_[0] };
    return join "\n", sort keys %set;
}

sub changes_of_build {
    my $buildid = shift;
    my $build = BBW::Oracle::build_by_id($buildid);
    my $ss = build_sourcestamps($buildid);
    my (@codebases, %from, %to);
    for my $s (@$ss) {
        push @codebases, $s->{codebase} unless exists $from{ $s->{codebase} };
        $from{ $s->{codebase} } = latest_change_of_ss($s->{id});
    }
    my $prev;
    for my $p (@{ BBW::Oracle::rows('SELECT id FROM builds WHERE builderid = ? AND number < ?
                                     AND results = 0 ORDER BY complete_at DESC',
                                    $build->{builderid}, $build->{number}) }) {
        if (ss_key_set(build_sourcestamps($p->{id})) eq ss_key_set($ss)) { $prev = $p->{id}; last }
    }
    if ($prev) {
        for my $s (@{ build_sourcestamps($prev) }) {
            my $c = latest_change_of_ss($s->{id});
            $to{ $s->{codebase} } = $c ? $c->{changeid} : undef;
        }
    }
    my @out;
    for my $cb (@codebases) {
        my $change = $from{$cb} or next;
        my $to = $to{$cb};
        next if defined $to && $change->{changeid} == $to;
        push @out, $change;
        while (@{ $change->{parent_changeids} }
               && !(defined $to && grep { $_ == $to } @{ $change->{parent_changeids} })) {
            $change = BBW::Oracle::change_by_id($change->{parent_changeids}[0]) or last;
            push @out, $change;
        }
    }
    return \@out;
}

my $builds = BBW::Oracle::builds();
my $nonempty = 0;
for my $b (@$builds) {
    my $want = changes_of_build($b->{buildid});
    $nonempty++ if @$want;
    is_entities("builds/$b->{buildid}/changes", 'changes', $want, "/builds/$b->{buildid}/changes");
    is_entities("builders/$b->{builderid}/builds/$b->{number}/changes", 'changes', $want,
                "/builders/$b->{builderid}/builds/$b->{number}/changes");
}
ok($nonempty >= 1, 'fixture has a build with changes');

# Unresolvable builds have no changes (t/interop/DIFFERENCES.md D08, D09;
# Buildbot 3.7 answers 500 or every change).
is_entities('builds/99999/changes', 'changes', [], '/builds/99999/changes: [] (D09)');
is_entities('builders/9999/builds/1/changes', 'changes', [], '/builders/9999/builds/1/changes: [] (D08)');
is_entities("builders/$builds->[0]{builderid}/builds/999/changes", 'changes', [],
            'unknown build number: [] (D08)');

# --- sourcestamps ------------------------------------------------------------
my $sourcestamps = BBW::Oracle::sourcestamps();
{
    my ($res, $data) = api('sourcestamps');
    my $items = check_envelope($res, $data, 'sourcestamps', '/sourcestamps', total => scalar @$sourcestamps);
    is_json([ sort { $a->{ssid} <=> $b->{ssid} } @$items ], $sourcestamps, '/sourcestamps');
}
for my $ss (@$sourcestamps) {
    is_entities("sourcestamps/$ss->{ssid}", 'sourcestamps', [$ss], "/sourcestamps/$ss->{ssid}", single => 1);
}
my ($patched) = grep { $_->{patch} } @$sourcestamps;
SKIP: {
    skip 'fixture has no sourcestamp with a patch', 2 unless $patched;
    my ($res, $data) = api("sourcestamps/$patched->{ssid}");
    my $patch = $data->{sourcestamps}[0]{patch};
    ok(ref $patch eq 'HASH' && exists $patch->{body} && !defined $patch->{body},
       'patch body (binary) is null');
    is_json([ sort keys %{ $patch || {} } ], [qw(author body comment level patchid subdir)],
            'patch fields');
}
{
    my ($res) = api('sourcestamps/99999');
    is($res->code, 404, '/sourcestamps/99999: 404');
}

done_testing;

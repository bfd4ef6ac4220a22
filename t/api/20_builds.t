# Builds and build properties (rest-api.md §3.3, §3.4, §6.3, §6.7;
# resource-types.md build, properties, _property).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use BBW::Test;
use BBW::Oracle;

my $builds = BBW::Oracle::builds();
ok(@$builds >= 3, 'fixture has builds') or BAIL_OUT('no fixture data');
my %builder_name = map { $_->{builderid} => $_->{name} } @{ BBW::Oracle::builders() };

# Collections are unordered (no ORDER BY); compare them sorted by buildid and
# check the order separately where the URL asks for one.
sub builds_like {
    my ($path, $want, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my ($res, $data) = api($path);
    my $items = check_envelope($res, $data, 'builds', $name || $path, total => scalar @$want);
    is_json([ sort { ($a->{buildid} // 0) <=> ($b->{buildid} // 0) } @$items ], $want,
            ($name || $path) . ': builds');
}

builds_like('builds', $builds, '/builds');
builds_like('builds?order=buildid', $builds, '/builds?order=buildid');
{
    my ($res, $data) = api('builds?order=-buildid');
    is_json(ids_of(buildid => $data->{builds}), [ reverse @{ ids_of(buildid => $builds) } ],
            '/builds?order=-buildid: descending');
}

# Singles by id and by (builder, number).
for my $b (@$builds) {
    is_entities("builds/$b->{buildid}", 'builds', [$b], "/builds/$b->{buildid}", single => 1);
    is_entities("builders/$b->{builderid}/builds/$b->{number}", 'builds', [$b],
                "/builders/$b->{builderid}/builds/$b->{number}", single => 1);
    my $name = $builder_name{ $b->{builderid} };
    next unless $name =~ /^[a-zA-Z_-][.a-zA-Z0-9_-]*$/;
    is_entities("builders/$name/builds/$b->{number}", 'builds', [$b],
                "/builders/$name/builds/$b->{number}", single => 1);
}
{
    my ($res) = api('builds/99999');
    is_error($res, 404, q{not found while getting from endpoint for /builds/n:buildid,/builders/n:builderid/builds/n:number,/builders/i:buildername/builds/n:number with arguments ResultSpec(**{'filters': [], 'fields': None, 'properties': [], 'order': None, 'limit': None, 'offset': None}) and {'buildid': 99999}});
    ($res) = api("builders/$builds->[0]{builderid}/builds/99999");
    is($res->code, 404, 'unknown build number: 404');
    ($res) = api('builders/9999/builds/1');
    is($res->code, 404, 'unknown builder: 404');
}

# Parent collections.
my %seen_builder;
for my $b (@$builds) {
    my $bid = $b->{builderid};
    next if $seen_builder{$bid}++;
    my @want = grep { $_->{builderid} == $bid } @$builds;
    builds_like("builders/$bid/builds", \@want);
    my $name = $builder_name{$bid};
    builds_like("builders/$name/builds", \@want) if $name =~ /^[a-zA-Z_-][.a-zA-Z0-9_-]*$/;
}
builds_like('builders/9999/builds', [], '/builders/9999/builds: unknown builder, []');
builds_like('builders/nosuchbuilder/builds', [], '/builders/nosuchbuilder/builds: []');

my %seen_br;
for my $b (@$builds) {
    my $br = $b->{buildrequestid};
    next if $seen_br{$br}++;
    builds_like("buildrequests/$br/builds", [ grep { $_->{buildrequestid} == $br } @$builds ]);
}
builds_like('buildrequests/99999/builds', [], '/buildrequests/99999/builds: []');

my %seen_worker;
for my $b (grep { defined $_->{workerid} } @$builds) {
    my $w = $b->{workerid};
    next if $seen_worker{$w}++;
    builds_like("workers/$w/builds", [ grep { ($_->{workerid} // -1) == $w } @$builds ]);
}

# /changes/{id}/builds: change -> sourcestamp -> buildsets -> requests -> builds.
for my $c (@{ BBW::Oracle::rows('SELECT changeid, sourcestampid FROM changes ORDER BY changeid') }) {
    my $ids = BBW::Oracle::db()->selectcol_arrayref(
        'SELECT DISTINCT b.id FROM builds b
           JOIN buildrequests br ON br.id = b.buildrequestid
           JOIN buildset_sourcestamps bss ON bss.buildsetid = br.buildsetid
          WHERE bss.sourcestampid = ? ORDER BY b.id', undef, $c->{sourcestampid});
    my %want = map { $_ => 1 } @$ids;
    builds_like("changes/$c->{changeid}/builds", [ grep { $want{ $_->{buildid} } } @$builds ]);
}

# complete: popped boolean filter.
my @complete = grep { $_->{complete} } @$builds;
my @running = grep { !$_->{complete} } @$builds;
ok(@running >= 1, 'fixture has a running build');
for my $v (qw(true 1 yes on TRUE)) {
    builds_like("builds?complete=$v", \@complete, "/builds?complete=$v");
}
for my $v (qw(false 0 no off False)) {
    builds_like("builds?complete=$v", \@running, "/builds?complete=$v");
}
builds_like('builds?complete__ne=true', \@running, '/builds?complete__ne=true');
builds_like('builds?complete__ne=false', \@complete, '/builds?complete__ne=false');

# buildrequestid: popped equality.
{
    my $br = $builds->[0]{buildrequestid};
    builds_like("builds?buildrequestid=$br", [ grep { $_->{buildrequestid} == $br } @$builds ]);
}

# Running builds: results null, complete_at null, workerid may be null.
for my $b (@running) {
    my ($res, $data) = api("builds/$b->{buildid}");
    my $got = $data->{builds}[0] || {};
    ok(exists $got->{results} && !defined $got->{results}, "running build $b->{buildid}: results null");
    ok(exists $got->{complete_at} && !defined $got->{complete_at}, "running build $b->{buildid}: complete_at null");
    is_json($got->{complete}, false, "running build $b->{buildid}: complete false");
}

# --- property=: embedding build properties --------------------------------
my ($with_props) = grep { %{ BBW::Oracle::build_properties($_->{buildid}) } } @$builds;
SKIP: {
    skip 'fixture has no build properties', 12 unless $with_props;
    my $id = $with_props->{buildid};
    my $all = BBW::Oracle::build_properties($id);
    my @names = sort keys %$all;

    my ($res, $data) = api("builds/$id?property=*");
    is_json($data->{builds}[0]{properties}, $all, "/builds/$id?property=*: all properties");

    ($res, $data) = api("builds/$id?property=$names[0]&property=nosuch");
    is_json($data->{builds}[0]{properties}, { $names[0] => $all->{ $names[0] } },
            "/builds/$id?property=$names[0]&property=nosuch: only the named one");

    ($res, $data) = api("builds/$id?property=nosuch");
    is_json($data->{builds}[0]{properties}, {}, "/builds/$id?property=nosuch: {}");

    ($res, $data) = api("builds/$id");
    is_json($data->{builds}[0]{properties}, {}, "/builds/$id without property=: {}");

    ($res, $data) = api("builds/$id?property=$names[0]&field=buildid&field=properties");
    is_json($data->{builds}, [{ buildid => $id, properties => { $names[0] => $all->{ $names[0] } } }],
            'property= with field=buildid&field=properties');

    ($res, $data) = api("builds?property=*&buildid=$id");
    is_json($data->{builds}[0]{properties}, $all, '/builds?property=* on a collection');

    # /builds/{id}/properties: one object {name: [value, source]}.
    is_entities("builds/$id/properties", 'properties', [$all],
                "/builds/$id/properties", single => 1);

    # /builds/{id}/property_list: value is the value JSON-encoded again.
    ($res, $data) = api("builds/$id/property_list");
    my $items = check_envelope($res, $data, '_properties', "/builds/$id/property_list",
                               total => scalar @names);
    my $want = BBW::Oracle::build_property_list($id);
    is_json([ sort map { $_->{name} } @$items ], [ sort map { $_->{name} } @$want ],
            'property_list: names');
    my $ok = 1;
    my %want = map { $_->{name} => $_ } @$want;
    for my $item (@$items) {
        my $w = $want{ $item->{name} } or next;
        $ok &&= is($item->{source}, $w->{source}, "property_list $item->{name}: source");
        $ok &&= is(ref \$item->{value}, 'SCALAR', "property_list $item->{name}: value is a string");
        my $decoded = JSON::PP->new->allow_nonref->decode($item->{value} // 'null');
        $ok &&= is_json($decoded, $all->{ $item->{name} }[0],
                        "property_list $item->{name}: value decodes to the property");
        # Python's json.dumps defaults: ", " and ": " separators.
        if (ref $decoded ne 'HASH' || keys %$decoded <= 1) {
            $ok &&= is($item->{value}, $w->{value}, "property_list $item->{name}: json.dumps text");
        }
    }
    ($res, $data) = api("builds/$id/property_list?name=$names[0]");
    is_json(ids_of(name => $data->{_properties}), [ $names[0] ],
            'property_list?name=: filtered');
}
is_entities('builds/99999/properties', 'properties', [{}], '/builds/99999/properties: {}', single => 1);

# /builders/{b}/builds/{n}/properties: build number n of builder b (Buildbot
# 3.7 reads n as a build id; t/interop/DIFFERENCES.md D03).
for my $b (@$builds) {
    is_entities("builders/$b->{builderid}/builds/$b->{number}/properties", 'properties',
                [ BBW::Oracle::build_properties($b->{buildid}) ],
                "/builders/$b->{builderid}/builds/$b->{number}/properties (D03)", single => 1);
}
is_entities('builders/9999/builds/1/properties', 'properties', [{}], 'unknown builder: {} (D03)', single => 1);

# Query parameters on the properties singles (D17, D18): field/order name no
# field of the entity, a bare filter is unrecognized, operators are ignored,
# property/limit/offset are accepted.
{
    my $id = $builds->[-1]{buildid};
    my $all = BBW::Oracle::build_properties($id);
    for my $base ("builds/$id/properties", 'buildsets/1/properties') {
        my ($res) = api("$base?field=x");
        is_error($res, 400, q{no such field 'x'}, "/$base?field=x (D17)");
        ($res) = api("$base?order=x");
        is_error($res, 400, q{no such field 'x'}, "/$base?order=x (D17)");
        ($res) = api("$base?x=1");
        is_error($res, 400, q{unrecognized query parameter 'x'}, "/$base?x=1 (D17)");
        my ($plain) = api($base);
        for my $q ('x__eq=1', 'name__contains=a', 'property=owner', 'limit=1', 'offset=1') {
            ($res) = api("$base?$q");
            is($res->code, 200, "/$base?$q: 200 (D18)");
            is($res->content, $plain->content, "/$base?$q: same body as without it");
        }
    }
}

# Multi-valued popped filters mean "any of" (D15; Buildbot 3.7 drops them).
builds_like('builds?complete=true&complete=false', $builds, '/builds?complete=true&complete=false (D15)');
{
    my ($x, $y) = map { $_->{buildrequestid} } @$builds[0, -1];
    builds_like("builds?buildrequestid=$x&buildrequestid=$y",
                [ grep { $_->{buildrequestid} == $x || $_->{buildrequestid} == $y } @$builds ],
                'buildrequestid with two values (D15)');
}

# --- meta.total: SQL-paginated builds report the items returned --------------
{
    my $total = @$builds;
    my ($res, $data) = api('builds?limit=2');
    check_envelope($res, $data, 'builds', '/builds?limit=2', total => 2);
    is(scalar @{ $data->{builds} || [] }, 2, '/builds?limit=2: two builds');

    ($res, $data) = api('builds?offset=1&order=buildid');
    check_envelope($res, $data, 'builds', '/builds?offset=1', total => $total - 1);
    is_json(ids_of(buildid => $data->{builds}), [ map { $_->{buildid} } @$builds[1 .. $#$builds] ],
            '/builds?offset=1&order=buildid');

    # An unmapped order key (complete) makes the pipeline Python-side: total
    # counts every match.
    ($res, $data) = api('builds?order=-complete&order=buildid&limit=1');
    check_envelope($res, $data, 'builds', '/builds?order=-complete&limit=1', total => $total);
    is_json(ids_of(buildid => $data->{builds}), [ $complete[0]{buildid} ],
            '/builds?order=-complete&order=buildid&limit=1: first complete build');

    my $bid = $builds->[0]{builderid};
    my @of = sort { $b->{number} <=> $a->{number} } grep { $_->{builderid} == $bid } @$builds;
    ($res, $data) = api("builders/$bid/builds?order=-number&limit=2&field=buildid&field=number&field=results");
    check_envelope($res, $data, 'builds', 'rest-examples §5', total => @of >= 2 ? 2 : scalar @of);
    is_json($data->{builds},
            [ map { { buildid => $_->{buildid}, number => $_->{number}, results => $_->{results} } }
              @of[0 .. (@of >= 2 ? 1 : $#of)] ],
            'rest-examples §5: newest two builds of the builder, projected');
}

done_testing;

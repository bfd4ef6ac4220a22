# Buildsets and build requests (rest-api.md §3.4, §3.9, §3.10, §6.3, §6.4;
# resource-types.md buildset, buildrequest, properties, _property).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use JSON::PP ();
use BBW::Test;
use BBW::Oracle;

# Unordered collections are compared sorted by KEY.
sub collection_like {
    my ($path, $plural, $key, $want, $name, %expect) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    $expect{total} = scalar @$want unless exists $expect{total};
    my ($res, $data) = api($path);
    my $items = check_envelope($res, $data, $plural, $name || $path, %expect);
    is_json([ sort { ($a->{$key} // 0) <=> ($b->{$key} // 0) } @$items ], $want,
            ($name || $path) . ": $plural");
}

# --- buildsets -----------------------------------------------------------------
my $buildsets = BBW::Oracle::buildsets();
ok(@$buildsets >= 5, 'fixture has buildsets') or BAIL_OUT('no buildsets');
collection_like('buildsets', 'buildsets', 'bsid', $buildsets, '/buildsets');
for my $bs (@$buildsets) {
    is_entities("buildsets/$bs->{bsid}", 'buildsets', [$bs], "/buildsets/$bs->{bsid}", single => 1);
}
{
    my ($res) = api('buildsets/99999');
    is_error($res, 404, q{not found while getting from endpoint for /buildsets/n:bsid with arguments ResultSpec(**{'filters': [], 'fields': None, 'properties': [], 'order': None, 'limit': None, 'offset': None}) and {'bsid': 99999}});
}
my @bs_complete = grep { $_->{complete} } @$buildsets;
my @bs_pending = grep { !$_->{complete} } @$buildsets;
ok(@bs_complete && @bs_pending, 'fixture has complete and pending buildsets');
collection_like('buildsets?complete=true', 'buildsets', 'bsid', \@bs_complete);
collection_like('buildsets?complete=false', 'buildsets', 'bsid', \@bs_pending);
collection_like('buildsets?complete__ne=false', 'buildsets', 'bsid', \@bs_complete);

my ($nosource) = grep { !@{ $_->{sourcestamps} } } @$buildsets;
SKIP: {
    skip 'fixture has no buildset without sourcestamps', 1 unless $nosource;
    my ($res, $data) = api("buildsets/$nosource->{bsid}");
    is_json($data->{buildsets}[0]{sourcestamps}, [], 'buildset without sourcestamps: []');
}
my ($multi) = grep { @{ $_->{sourcestamps} } >= 2 } @$buildsets;
SKIP: {
    skip 'fixture has no multi-sourcestamp buildset', 1 unless $multi;
    my ($res, $data) = api("buildsets/$multi->{bsid}");
    is_json([ sort { $a->{ssid} <=> $b->{ssid} } @{ $data->{buildsets}[0]{sourcestamps} || [] } ],
            [ sort { $a->{ssid} <=> $b->{ssid} } @{ $multi->{sourcestamps} } ],
            'multi-sourcestamp buildset: full sourcestamp entities');
}
my ($child) = grep { defined $_->{parent_buildid} } @$buildsets;
SKIP: {
    skip 'fixture has no triggered buildset', 2 unless $child;
    collection_like("buildsets?parent_buildid=$child->{parent_buildid}", 'buildsets', 'bsid',
                    [ grep { ($_->{parent_buildid} // 0) == $child->{parent_buildid} } @$buildsets ]);
}

# Buildset properties: {name: [value, source]} and the _properties list.
for my $bs (@$buildsets) {
    my $props = BBW::Oracle::buildset_properties($bs->{bsid});
    is_entities("buildsets/$bs->{bsid}/properties", 'properties', [$props],
                "/buildsets/$bs->{bsid}/properties", single => 1);
}
is_entities('buildsets/99999/properties', 'properties', [{}], '/buildsets/99999/properties: {}', single => 1);
{
    my ($bs) = grep { keys %{ BBW::Oracle::buildset_properties($_->{bsid}) } >= 2 } @$buildsets;
    my $want = BBW::Oracle::buildset_property_list($bs->{bsid});
    my ($res, $data) = api("buildsets/$bs->{bsid}/properties_list");
    my $items = check_envelope($res, $data, '_properties', "/buildsets/$bs->{bsid}/properties_list",
                               total => scalar @$want);
    my %want = map { $_->{name} => $_ } @$want;
    is_json([ sort map { $_->{name} // '' } @$items ], [ sort keys %want ], 'properties_list: names');
    for my $item (@$items) {
        my $w = $want{ $item->{name} // '' } or next;
        is($item->{source}, $w->{source}, "properties_list $item->{name}: source");
        my $got = eval { JSON::PP->new->allow_nonref->decode($item->{value}) };
        my $exp = JSON::PP->new->allow_nonref->decode($w->{value});
        is_json($got, $exp, "properties_list $item->{name}: value is the JSON text of the value");
        is($item->{value}, $w->{value}, "properties_list $item->{name}: json.dumps formatting")
            if ref $exp ne 'HASH' || keys %$exp <= 1;
    }
}

# --- build requests ------------------------------------------------------------
my $requests = BBW::Oracle::buildrequests();
ok(@$requests >= 5, 'fixture has build requests') or BAIL_OUT('no build requests');
collection_like('buildrequests', 'buildrequests', 'buildrequestid', $requests, '/buildrequests');
for my $br (@$requests) {
    is_entities("buildrequests/$br->{buildrequestid}", 'buildrequests', [$br],
                "/buildrequests/$br->{buildrequestid}", single => 1);
}

# A request whose buildset has no sourcestamp is hidden by the inner joins.
my %visible = map { $_->{buildrequestid} => 1 } @$requests;
my @hidden = grep { !$visible{ $_->{id} } } @{ BBW::Oracle::rows('SELECT id FROM buildrequests ORDER BY id') };
SKIP: {
    skip 'fixture has no request without sourcestamps', 1 unless @hidden;
    my ($res) = api("buildrequests/$hidden[0]{id}");
    is($res->code, 404, "/buildrequests/$hidden[0]{id}: buildset without sourcestamps, 404");
}
{
    my ($res) = api('buildrequests/99999');
    is_error($res, 404, q{not found while getting from endpoint for /buildrequests/n:buildrequestid with arguments ResultSpec(**{'filters': [], 'fields': None, 'properties': [], 'order': None, 'limit': None, 'offset': None}) and {'buildrequestid': 99999}});
}

my %by_builder;
push @{ $by_builder{ $_->{builderid} } }, $_ for @$requests;
for my $bid (sort { $a <=> $b } keys %by_builder) {
    collection_like("builders/$bid/buildrequests", 'buildrequests', 'buildrequestid', $by_builder{$bid});
}
collection_like('builders/9999/buildrequests', 'buildrequests', 'buildrequestid', []);

# Popped filters (§6.3).
collection_like('buildrequests?complete=true', 'buildrequests', 'buildrequestid',
                [ grep { $_->{complete} } @$requests ]);
collection_like('buildrequests?complete=false', 'buildrequests', 'buildrequestid',
                [ grep { !$_->{complete} } @$requests ]);
collection_like('buildrequests?claimed=true', 'buildrequests', 'buildrequestid',
                [ grep { $_->{claimed} } @$requests ]);
collection_like('buildrequests?claimed=false', 'buildrequests', 'buildrequestid',
                [ grep { !$_->{claimed} && !$_->{complete} } @$requests ],
                'claimed=false: unclaimed and not complete');
for my $m (1, 2) {
    collection_like("buildrequests?claimed_by_masterid=$m", 'buildrequests', 'buildrequestid',
                    [ grep { ($_->{claimed_by_masterid} // 0) == $m } @$requests ]);
}
{
    my $bsid = $requests->[-1]{buildsetid};
    collection_like("buildrequests?buildsetid=$bsid", 'buildrequests', 'buildrequestid',
                    [ grep { $_->{buildsetid} == $bsid } @$requests ]);
}
collection_like('buildrequests?results=-1', 'buildrequests', 'buildrequestid',
                [ grep { ($_->{results} // 99) == -1 } @$requests ], 'pending requests carry results -1');
collection_like('buildrequests?priority__gt=0', 'buildrequests', 'buildrequestid',
                [ grep { $_->{priority} > 0 } @$requests ]);
collection_like('buildrequests?waited_for=true', 'buildrequests', 'buildrequestid',
                [ grep { $_->{waited_for} } @$requests ]);

# Popped filters applied as written (t/interop/DIFFERENCES.md D15).
collection_like('buildrequests?claimed_by_masterid=0', 'buildrequests', 'buildrequestid', [],
                'claimed_by_masterid=0: no master has id 0 (D15)');
collection_like('buildrequests?claimed_by_masterid__ne=1', 'buildrequests', 'buildrequestid',
                [ grep { defined $_->{claimed_by_masterid} && $_->{claimed_by_masterid} != 1 } @$requests ],
                'claimed_by_masterid__ne=1: claimed by another master (D15)');
collection_like('buildrequests?claimed_by_masterid=1&claimed_by_masterid=2', 'buildrequests', 'buildrequestid',
                [ grep { ($_->{claimed_by_masterid} // 0) == 1 || ($_->{claimed_by_masterid} // 0) == 2 } @$requests ],
                'claimed_by_masterid with two values (D15)');
collection_like('buildrequests?complete=true&complete=false', 'buildrequests', 'buildrequestid', $requests,
                'complete with both values (D15)');
{
    my ($x, $y) = ($requests->[0]{buildsetid}, $requests->[-1]{buildsetid});
    collection_like("buildrequests?buildsetid=$x&buildsetid=$y", 'buildrequests', 'buildrequestid',
                    [ grep { $_->{buildsetid} == $x || $_->{buildsetid} == $y } @$requests ],
                    'buildsetid with two values (D15)');
}
collection_like('buildsets?complete=true&complete=false', 'buildsets', 'bsid', $buildsets,
                'buildsets complete with both values (D15)');

# property=: the buildset's properties; null when nothing matches.
{
    my $br = $requests->[0];
    my $props = BBW::Oracle::buildset_properties($br->{buildsetid});
    my ($name) = sort keys %$props;
    my ($res, $data) = api("buildrequests/$br->{buildrequestid}?property=*");
    is_json($data->{buildrequests}[0]{properties}, $props, 'buildrequest property=*: buildset properties');
    ($res, $data) = api("buildrequests/$br->{buildrequestid}?property=$name");
    is_json($data->{buildrequests}[0]{properties}, { $name => $props->{$name} },
            "buildrequest property=$name");
    ($res, $data) = api("buildrequests/$br->{buildrequestid}?property=nosuch");
    is_json($data->{buildrequests}[0]{properties}, undef, 'buildrequest property=nosuch: null');
    ($res, $data) = api("buildrequests/$br->{buildrequestid}");
    is_json($data->{buildrequests}[0]{properties}, undef, 'buildrequest without property=: null');
}

# SQL pagination: total is the number returned.
{
    my ($res, $data) = api('buildrequests?order=buildrequestid&limit=3');
    check_envelope($res, $data, 'buildrequests', '/buildrequests?order=buildrequestid&limit=3', total => 3);
    is_json(ids_of(buildrequestid => $data->{buildrequests}),
            [ map { $_->{buildrequestid} } @$requests[0 .. 2] ], 'first three requests');
    # claimed is popped into SQL, so limit is still applied there.
    ($res, $data) = api('buildrequests?order=-buildrequestid&limit=2&claimed=true');
    my @claimed = reverse grep { $_->{claimed} } @$requests;
    check_envelope($res, $data, 'buildrequests', 'claimed (popped) + limit', total => 2);
    is_json(ids_of(buildrequestid => $data->{buildrequests}),
            [ map { $_->{buildrequestid} } @claimed[0 .. 1] ], 'newest two claimed requests');
}

done_testing;

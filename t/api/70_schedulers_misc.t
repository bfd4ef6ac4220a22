# Schedulers, change sources, force schedulers, test results, build data and
# /application.spec (rest-api.md §3.1, §3.5, §3.12-3.15).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use BBW::Test;
use BBW::Oracle;

my $nf = q{with arguments ResultSpec(**{'filters': [], 'fields': None, 'properties': [], 'order': None, 'limit': None, 'offset': None})};

# --- schedulers and change sources -------------------------------------------
for my $kind (['schedulers', 'schedulerid', BBW::Oracle::schedulers(), '/schedulers/n:schedulerid,/masters/n:masterid/schedulers/n:schedulerid'],
              ['changesources', 'changesourceid', BBW::Oracle::changesources(), '/changesources/n:changesourceid,/masters/n:masterid/changesources/n:changesourceid']) {
    my ($plural, $key, $all, $patterns) = @$kind;
    ok(@$all >= 2, "fixture has $plural") or next;
    is_entities($plural, $plural, $all, "/$plural");
    my ($with_master) = grep { $_->{master} } @$all;
    my ($without) = grep { !$_->{master} } @$all;
    ok($with_master && $without, "$plural: some with and some without a master");
    for my $s (@$all) {
        is_entities("$plural/$s->{$key}", $plural, [$s], "/$plural/$s->{$key}", single => 1);
    }
    my ($res) = api("$plural/99999");
    is_error($res, 404, "not found while getting from endpoint for $patterns $nf and {'$key': 99999}");
    # Id 0 is not "the first row" (t/interop/DIFFERENCES.md D13).
    ($res) = api("$plural/0");
    is_error($res, 404, "not found while getting from endpoint for $patterns $nf and {'$key': 0}",
             "/$plural/0: 404 (D13)");
    for my $m (@{ BBW::Oracle::masters() }) {
        my $mid = $m->{masterid};
        my @on = grep { $_->{master} && $_->{master}{masterid} == $mid } @$all;
        is_entities("masters/$mid/$plural", $plural, \@on, "/masters/$mid/$plural");
        for my $s (@$all) {
            if (grep { $_ == $s } @on) {
                is_entities("masters/$mid/$plural/$s->{$key}", $plural, [$s], undef, single => 1);
            }
            else {
                ($res) = api("masters/$mid/$plural/$s->{$key}");
                is($res->code, 404, "/masters/$mid/$plural/$s->{$key}: not on that master, 404");
            }
        }
        ($res) = api("masters/$mid/$plural/99999");
        is($res->code, 404, "/masters/$mid/$plural/99999: 404 (D14)");
    }
    is_entities("$plural?name=$all->[0]{name}", $plural, [ $all->[0] ],
                "/$plural?name=...: string filter") if $all->[0]{name} =~ /^[\w.:-]+$/;
}
is_entities('schedulers?enabled=false', 'schedulers', [ grep { !$_->{enabled} } @{ BBW::Oracle::schedulers() } ]);

# --- force schedulers: configuration, not DB ---------------------------------------
{
    my ($res, $data) = api('forceschedulers');
    is($res->code, 200, '/forceschedulers: 200');
    is(ref($data) eq 'HASH' ? ref $data->{forceschedulers} : '', 'ARRAY', '/forceschedulers: a collection');
    ok(ref($data) eq 'HASH' && ref $data->{meta} eq 'HASH' && defined $data->{meta}{total},
       '/forceschedulers: meta.total');
    ($res) = api('forceschedulers/nosuchscheduler');
    is($res->code, 404, '/forceschedulers/nosuchscheduler: 404');
}

# --- /application.spec ---------------------------------------------------------------
{
    my ($res, $data) = api('application.spec');
    my $specs = check_envelope($res, $data, 'specs', '/application.spec', total => 114);
    is(scalar @$specs, 114, '114 endpoint patterns');
    my @paths = map { $_->{path} // '' } @$specs;
    my @sorted = sort { my @a = split m{/}, $a, -1; my @b = split m{/}, $b, -1;
                        my $c = 0;
                        for my $i (0 .. ($#a < $#b ? $#a : $#b)) { $c = $a[$i] cmp $b[$i] and last }
                        $c || @a <=> @b } @paths;
    is_json(\@paths, \@sorted, 'specs sorted by pattern segments');
    my %by_path = map { ($_->{path} // '') => $_ } @$specs;
    is_json([ sort keys %{ $by_path{'builders/n:builderid'} || {} } ], [qw(path plural type type_spec)],
            'spec entries have path, plural, type, type_spec');
    is($by_path{'builders/n:builderid'}{plural}, 'builders', 'builders/n:builderid: plural');
    is($by_path{'builders/n:builderid'}{type}, 'builder', 'builders/n:builderid: type');
    ok(exists $by_path{''}, 'the root pattern is ""');
    is($by_path{''}{plural}, 'rootlinks', 'root: rootlinks');
    ok(exists $by_path{'logs/n:logid/raw'}, 'logs/n:logid/raw is listed');
    ok(exists $by_path{'builders/:builderid/forceschedulers'}, 'the untyped pattern is listed');
    my $fields = $by_path{'builders/n:builderid'}{type_spec}{fields} || [];
    is_json([ map { $_->{name} } @$fields ], [qw(builderid name masterids description tags)],
            'builder type_spec fields in declaration order');
}

# --- test result sets and results -----------------------------------------------
my $sets = BBW::Oracle::test_result_sets();
ok(@$sets >= 2, 'fixture has test result sets');
sub sets_like {
    my ($path, $want, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my ($res, $data) = api($path);
    my $items = check_envelope($res, $data, 'test_result_sets', $name || $path, total => scalar @$want);
    is_json([ sort { $a->{test_result_setid} <=> $b->{test_result_setid} } @$items ], $want,
            ($name || $path) . ': test_result_sets');
}
my %builder_name = map { $_->{builderid} => $_->{name} } @{ BBW::Oracle::builders() };
my %seen;
for my $s (@$sets) {
    is_entities("test_result_sets/$s->{test_result_setid}", 'test_result_sets', [$s], undef, single => 1);
    my $results = BBW::Oracle::test_results($s->{test_result_setid});
    my ($res, $data) = api("test_result_sets/$s->{test_result_setid}/results");
    my $items = check_envelope($res, $data, 'test_results', "/test_result_sets/$s->{test_result_setid}/results",
                               total => scalar @$results);
    is_json([ sort { $a->{test_resultid} <=> $b->{test_resultid} } @$items ], $results,
            "/test_result_sets/$s->{test_result_setid}/results: test_results");
    next if $seen{"b$s->{builderid}"}++;
    my @of_builder = grep { $_->{builderid} == $s->{builderid} } @$sets;
    sets_like("builders/$s->{builderid}/test_result_sets", \@of_builder);
    sets_like("builders/$builder_name{ $s->{builderid} }/test_result_sets", \@of_builder);
    sets_like("builds/$s->{buildid}/test_result_sets", [ grep { $_->{buildid} == $s->{buildid} } @$sets ]);
    sets_like("steps/$s->{stepid}/test_result_sets", [ grep { $_->{stepid} == $s->{stepid} } @$sets ]);
    sets_like("builders/$s->{builderid}/test_result_sets?complete=true",
              [ grep { $_->{complete} } @of_builder ]);
    sets_like("builders/$s->{builderid}/test_result_sets?complete=false",
              [ grep { !$_->{complete} } @of_builder ]);
}
my ($named) = grep { grep { defined $_->{test_name} } @{ BBW::Oracle::test_results($_->{test_result_setid}) } } @$sets;
ok($named, 'fixture has named test results');
sets_like('builders/nosuchbuilder/test_result_sets', [], 'unknown builder name: []');
sets_like('builds/99999/test_result_sets', [], 'unknown build: [] (D12)');
sets_like('steps/99999/test_result_sets', [], 'unknown step: [] (D12)');
{
    my ($res) = api('test_result_sets/99999');
    is($res->code, 404, '/test_result_sets/99999: 404');
    ($res, my $data) = api('test_result_sets/99999/results');
    check_envelope($res, $data, 'test_results', 'results of an unknown set', total => 0);
}

# --- build data ---------------------------------------------------------------------
my $with_data = BBW::Oracle::rows('SELECT DISTINCT buildid FROM build_data ORDER BY buildid');
ok(@$with_data, 'fixture has build data');
for my $row (@$with_data) {
    my $buildid = $row->{buildid};
    my $b = BBW::Oracle::build_by_id($buildid);
    my $want = BBW::Oracle::build_data_of($buildid);
    my @prefixes = ("builds/$buildid", "builders/$b->{builderid}/builds/$b->{number}",
                    "builders/$builder_name{ $b->{builderid} }/builds/$b->{number}");
    for my $prefix (@prefixes) {
        my ($res, $data) = api("$prefix/data");
        my $items = check_envelope($res, $data, 'build_data', "/$prefix/data", total => scalar @$want);
        is_json([ sort { $a->{name} cmp $b->{name} } @$items ], [ sort { $a->{name} cmp $b->{name} } @$want ],
                "/$prefix/data: metadata, value null");
    }
    for my $d (@$want) {
        is_entities("builds/$buildid/data/$d->{name}", 'build_data', [$d], undef, single => 1);
        my $bytes = BBW::Oracle::value('SELECT value FROM build_data WHERE buildid = ? AND name = ?',
                                       $buildid, $d->{name});
        for my $prefix (@prefixes) {
            my $res = api_raw("$prefix/data/$d->{name}/value");
            is($res->code, 200, "/$prefix/data/$d->{name}/value: 200");
            is($res->header('Content-Type'), 'application/octet-stream; charset=utf-8',
               "/$prefix/data/$d->{name}/value: Content-Type");
            is($res->header('Content-Disposition'), "attachment; filename=$d->{name}",
               "/$prefix/data/$d->{name}/value: Content-Disposition");
            ok($res->content eq $bytes, "/$prefix/data/$d->{name}/value: the stored bytes ("
               . length($bytes) . ')');
        }
    }
}
{
    my ($res, $data) = api('builds/99999/data');
    check_envelope($res, $data, 'build_data', '/builds/99999/data', total => 0);
    ($res) = api("builds/$with_data->[0]{buildid}/data/nosuch");
    is($res->code, 404, 'unknown build data name: 404');
    $res = api_raw("builds/$with_data->[0]{buildid}/data/nosuch/value");
    is($res->code, 404, 'unknown build data value: 404');
}

done_testing;

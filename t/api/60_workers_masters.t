# Workers and masters (rest-api.md §3.12; resource-types.md worker, master):
# the path restrictions of worker lists and the popped paused/graceful filters.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use BBW::Test;
use BBW::Oracle;

# The order of configured_on/connected_to entries is not part of the
# contract; compare them sorted.
sub normalized {
    my $list = shift;
    return [ map {
        my %w = %$_;
        $w{configured_on} = [ sort { $a->{builderid} <=> $b->{builderid} || $a->{masterid} <=> $b->{masterid} }
                              @{ $w{configured_on} || [] } ] if ref $w{configured_on} eq 'ARRAY';
        $w{connected_to} = [ sort { $a->{masterid} <=> $b->{masterid} } @{ $w{connected_to} || [] } ]
            if ref $w{connected_to} eq 'ARRAY';
        \%w;
    } @{ $list || [] } ];
}

sub workers_like {
    my ($path, $want, $name, %expect) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    $expect{total} = scalar @$want unless $expect{single};
    my ($res, $data) = api($path);
    my $items = check_envelope($res, $data, 'workers', $name || $path, %expect);
    is_json(normalized($items), normalized($want), ($name || $path) . ': workers');
}

my $workers = BBW::Oracle::workers();
ok(@$workers >= 3, 'fixture has workers') or BAIL_OUT('no workers');
my $builders = BBW::Oracle::builders();
my $masters = BBW::Oracle::masters();

workers_like('workers', $workers, '/workers (id order)');
{
    my ($res, $data) = api('workers');
    is_json(ids_of(workerid => $data->{workers}), ids_of(workerid => $workers), '/workers: ordered by id');
}
for my $w (@$workers) {
    workers_like("workers/$w->{workerid}", [$w], undef, single => 1);
    workers_like("workers/$w->{name}", [$w], undef, single => 1) if $w->{name} =~ /^[a-zA-Z_-][.a-zA-Z0-9_-]*$/;
}
{
    my ($res) = api('workers/99999');
    is($res->code, 404, '/workers/99999: 404');
    ($res) = api('workers/nosuchworker');
    is($res->code, 404, '/workers/nosuchworker: 404');
}
my ($never) = grep { !keys %{ $_->{workerinfo} } } @$workers;
SKIP: {
    skip 'fixture has no never-connected worker', 2 unless $never;
    my ($res, $data) = api("workers/$never->{workerid}");
    is_json($data->{workers}[0]{workerinfo}, {}, 'never-connected worker: workerinfo {}');
    is_json($data->{workers}[0]{configured_on}, $never->{configured_on}, 'never-connected worker: configured_on');
}

# Restricted lists and the entities inside them.
for my $m (@$masters) {
    my $mid = $m->{masterid};
    my $want = BBW::Oracle::workers(masterid => $mid);
    workers_like("masters/$mid/workers", $want);
    for my $w (@$want) {
        workers_like("masters/$mid/workers/$w->{workerid}", [$w], undef, single => 1);
        workers_like("masters/$mid/workers/$w->{name}", [$w], undef, single => 1);
    }
    for my $b (grep { grep { $_ == $mid } @{ $_->{masterids} } } @$builders) {
        my $bid = $b->{builderid};
        my $in = BBW::Oracle::workers(masterid => $mid, builderid => $bid);
        workers_like("masters/$mid/builders/$bid/workers", $in);
        workers_like("masters/$mid/builders/$bid/workers/$_->{workerid}", [$_], undef, single => 1) for @$in;
        workers_like("masters/$mid/builders/$bid/workers/$_->{name}", [$_], undef, single => 1) for @$in;
    }
}
for my $b (@$builders) {
    my $bid = $b->{builderid};
    my $want = BBW::Oracle::workers(builderid => $bid);
    workers_like("builders/$bid/workers", $want);
    workers_like("builders/$bid/workers/$_->{workerid}", [$_], undef, single => 1) for @$want;
    workers_like("builders/$bid/workers/$_->{name}", [$_], undef, single => 1) for @$want;
}
{
    # A worker not configured on a builder is not found under that builder.
    my ($b) = grep { @{ BBW::Oracle::workers(builderid => $_->{builderid}) } } @$builders;
    my %on = map { $_->{workerid} => 1 } @{ BBW::Oracle::workers(builderid => $b->{builderid}) };
    my ($other) = grep { !$on{ $_->{workerid} } } @$workers;
    my ($res) = api("builders/$b->{builderid}/workers/$other->{workerid}");
    is($res->code, 404, "worker $other->{workerid} is not configured on builder $b->{builderid}: 404");
}
workers_like('masters/9999/workers', [], '/masters/9999/workers: []');
workers_like('builders/9999/workers', [], '/builders/9999/workers: []');

# Popped boolean filters.
for my $field (qw(paused graceful)) {
    workers_like("workers?$field=true", [ grep { $_->{$field} } @$workers ]);
    workers_like("workers?$field=false", [ grep { !$_->{$field} } @$workers ]);
    workers_like("workers?${field}__ne=true", [ grep { !$_->{$field} } @$workers ]);
}
workers_like('workers?paused=true&paused=false', $workers, 'paused with both values: all (D15)');
workers_like('workers?paused=false&graceful=false',
             [ grep { !$_->{paused} && !$_->{graceful} } @$workers ], 'paused and graceful ANDed');
workers_like('workers?name=linux-01', [ grep { $_->{name} eq 'linux-01' } @$workers ]);

# --- masters ---------------------------------------------------------------------
ok(@$masters >= 2, 'fixture has masters');
is_entities('masters', 'masters', $masters, '/masters');
for my $m (@$masters) {
    is_entities("masters/$m->{masterid}", 'masters', [$m], "/masters/$m->{masterid}", single => 1);
}
{
    my ($res) = api('masters/99999');
    is_error($res, 404, q{not found while getting from endpoint for /masters/n:masterid,/builders/n:builderid/masters/n:masterid with arguments ResultSpec(**{'filters': [], 'fields': None, 'properties': [], 'order': None, 'limit': None, 'offset': None}) and {'masterid': 99999}});
}
for my $b (@$builders) {
    my %on = map { $_ => 1 } @{ $b->{masterids} };
    is_entities("builders/$b->{builderid}/masters", 'masters', [ grep { $on{ $_->{masterid} } } @$masters ]);
    for my $m (@$masters) {
        if ($on{ $m->{masterid} }) {
            is_entities("builders/$b->{builderid}/masters/$m->{masterid}", 'masters', [$m], undef, single => 1);
        }
        else {
            my ($res) = api("builders/$b->{builderid}/masters/$m->{masterid}");
            is($res->code, 404, "/builders/$b->{builderid}/masters/$m->{masterid}: not on that master, 404");
        }
    }
}
is_entities('builders/9999/masters', 'masters', [], '/builders/9999/masters: []');
is_entities('masters?active=true', 'masters', [ grep { $_->{active} } @$masters ]);
is_entities('masters?active=false', 'masters', [ grep { !$_->{active} } @$masters ]);

done_testing;

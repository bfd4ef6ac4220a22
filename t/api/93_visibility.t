# Read-level restriction (BuildbotViewBuilders, our addition to Buildbot's
# authz): on bbw_view everyone sees the builders tagged "ci" (unit-tests 1,
# lint 2, integration 4); admin (role staff) sees all six. Hidden builders'
# builds, steps, logs, build requests and changes disappear from listings;
# single reads of them answer 404 as for an id that does not exist.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use JSON::PP ();
use BBW::Test;
use BBW::Oracle qw(rows value);
use BBW::Session;

my $json = JSON::PP->new->allow_nonref;
my $view = server_url('bbw_view');
my $admin = (login($view, 'admin', 'admin-pass'))[1];
my $dev = (login($view, 'dev', 'dev-pass'))[1];
my %visible = map { $_ => 1 } (1, 2, 4);

sub get {
    my ($path, $token) = @_;
    my $res = http(GET => "$view/api/v2/$path",
                   headers => [Accept => 'application/json', $token ? cookie_header($token) : ()]);
    return ($res, eval { $json->decode($res->content) });
}

my $all_builds = rows('SELECT id, builderid FROM builds ORDER BY id');
my @shown_builds = map { $_->{id} } grep { $visible{$_->{builderid}} } @$all_builds;
my @hidden_builds = map { $_->{id} } grep { !$visible{$_->{builderid}} } @$all_builds;
ok(@shown_builds && @hidden_builds, 'the fixture has builds on both sides');

for my $who (['anonymous', undef], ['dev (no staff role)', $dev]) {
    my ($label, $t) = @$who;
    my (undef, $b) = get('builders', $t);
    is_deeply([map { $_->{builderid} } @{ $b->{builders} }], [1, 2, 4], "$label: builders tagged ci only");
    is($b->{meta}{total}, 3, "$label: meta.total counts visible builders");
    my ($r) = get('builders/3', $t);
    is($r->code, 404, "$label: a hidden builder is not found");
    ($r) = get('builders/docs', $t);
    is($r->code, 404, "$label: by name too");
    my (undef, $builds) = get('builds', $t);
    is_deeply([map { $_->{buildid} } @{ $builds->{builds} }], \@shown_builds, "$label: builds of visible builders");
    is($builds->{meta}{total}, scalar @shown_builds, "$label: total of visible builds");
    my (undef, $paged) = get('builds?order=-buildid&limit=2', $t);
    is_deeply([map { $_->{buildid} } @{ $paged->{builds} }], [(reverse @shown_builds)[0, 1]],
              "$label: paging skips hidden builds");
    my (undef, $fields) = get('builds?field=buildid', $t);
    is(scalar @{ $fields->{builds} }, scalar @shown_builds, "$label: field= does not defeat the filter");
    for my $bid ($hidden_builds[0], $hidden_builds[-1]) {
        ($r) = get("builds/$bid", $t);
        is($r->code, 404, "$label: build $bid (hidden builder) not found");
        my (undef, $steps) = get("builds/$bid/steps", $t);
        is_deeply($steps->{steps}, [], "$label: its steps list is empty");
    }
    my $hidden_step = value('SELECT s.id FROM steps s JOIN builds b ON b.id = s.buildid WHERE b.builderid NOT IN (1, 2, 4) ORDER BY s.id');
    ($r) = get("steps/$hidden_step", $t);
    is($r->code, 404, "$label: a step of a hidden build");
    my $hidden_log = value('SELECT l.id FROM logs l JOIN steps s ON s.id = l.stepid JOIN builds b ON b.id = s.buildid WHERE b.builderid NOT IN (1, 2, 4) ORDER BY l.id');
    ($r) = get("logs/$hidden_log", $t);
    is($r->code, 404, "$label: a log of a hidden build");
    ($r) = get("logs/$hidden_log/raw", $t);
    is($r->code, 404, "$label: its raw text");
    ($r) = get("logs/$hidden_log/contents", $t);
    is($r->code, 404, "$label: its contents");
    my (undef, $brs) = get('buildrequests', $t);
    ok(!grep({ !$visible{$_->{builderid}} } @{ $brs->{buildrequests} }), "$label: no build request of a hidden builder");
    my (undef, $wb) = get('builders/3/builds', $t);
    is_deeply($wb->{builds}, [], "$label: builds below a hidden builder: empty");
}

# Changes that only hidden builders built disappear; the rest stay.
{
    my $only_hidden = rows(q{SELECT DISTINCT ch.changeid FROM changes ch
        JOIN buildset_sourcestamps bss ON bss.sourcestampid = ch.sourcestampid
        JOIN buildrequests br ON br.buildsetid = bss.buildsetid WHERE br.builderid NOT IN (1, 2, 4)
        AND NOT EXISTS (SELECT 1 FROM buildset_sourcestamps b2 JOIN buildrequests r2 ON r2.buildsetid = b2.buildsetid
                        WHERE b2.sourcestampid = ch.sourcestampid AND r2.builderid IN (1, 2, 4))});
    my %gone = map { $_->{changeid} => 1 } @$only_hidden;
    my $all = rows('SELECT changeid FROM changes ORDER BY changeid');
    my (undef, $anon) = get('changes');
    is_deeply([sort { $a <=> $b } map { $_->{changeid} } @{ $anon->{changes} }],
              [grep { !$gone{$_} } map { $_->{changeid} } @$all],
              'anonymous: changes built only by hidden builders are gone (' . scalar(keys %gone) . ')');
    if (%gone) {
        my ($gone) = sort keys %gone;
        my ($r) = get("changes/$gone");
        is($r->code, 404, 'and a single read of one is not found');
    }
    else {
        pass('no change was built only by hidden builders');
    }
}

# staff sees what the unrestricted main server shows; the response cache
# keeps the two audiences apart.
for my $round (1, 2) {
    my (undef, $b) = get('builders', $admin);
    is(scalar @{ $b->{builders} }, 6, "staff sees all six builders (round $round)");
    my (undef, $anon) = get('builders');
    is(scalar @{ $anon->{builders} }, 3, "anonymous still sees three (round $round)");
    my (undef, $builds) = get('builds', $admin);
    is($builds->{meta}{total}, scalar @$all_builds, "staff sees every build (round $round)");
}
my ($r) = get('builds/' . $hidden_builds[0], $admin);
is($r->code, 200, 'staff reads a build of a hidden builder');

done_testing;

# Raw log downloads (rest-api.md §7.3, §3.8; db-schema.md logchunks): every
# log of the fixture, so every chunk compression (0 none, 1 zlib, 2 bz2,
# 3 lz4) and every log type (s stdio, t text, h html, d deleted).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Encode ();
use BBW::Test;
use BBW::Oracle;

my $ident = qr/^[a-zA-Z_-][.a-zA-Z0-9_-]*$/;

# The expected body: stdio logs lose the stream character of every line
# (Python splitlines() boundaries) and the final newline; others keep the
# reconstructed text with one "\n" per line.
sub want_raw {
    my $log = shift;
    my $lines = BBW::Oracle::log_lines($log->{logid});
    my $text = join '', map { "$_\n" } @$lines;
    return $text unless $log->{type} eq 's';
    my @parts = split /\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x{85}\x{2028}\x{2029}]/, $text, -1;
    pop @parts if @parts && $parts[-1] eq '' && length $text;
    @parts = () if $text eq '';
    return join "\n", map { length $_ ? substr($_, 1) : '' } @parts;
}

my $logs = [ map { BBW::Oracle::log_by_id($_->{id}) }
             @{ BBW::Oracle::rows('SELECT id FROM logs ORDER BY id') } ];
ok(@$logs, 'fixture has logs') or BAIL_OUT('no logs');

my %methods = map { $_->{compressed} => $_->{logid} } @{ BBW::Oracle::rows(
    'SELECT DISTINCT compressed, logid FROM logchunks ORDER BY logid') };
for my $m (0 .. 3) {
    ok(exists $methods{$m}, "fixture stores at least one chunk with compression $m");
}
my %types = map { $_->{type} => 1 } @$logs;
ok($types{$_}, "fixture has a log of type '$_'") for qw(s t h);

for my $log (@$logs) {
    my $id = $log->{logid};
    my $comp = join ',', @{ BBW::Oracle::db()->selectcol_arrayref(
        'SELECT DISTINCT compressed FROM logchunks WHERE logid = ? ORDER BY compressed', undef, $id) };
    my $label = "/logs/$id/raw (type $log->{type}, compression " . ($comp eq '' ? 'none stored' : $comp) . ')';
    my $res = api_raw("logs/$id/raw");
    is($res->code, 200, "$label: 200");
    is($res->header('Content-Type'),
       $log->{type} eq 'h' ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8',
       "$label: Content-Type");
    # The slug goes out as UTF-8 bytes, unquoted (Buildbot does the same).
    is($res->header('Content-Disposition'), Encode::encode('UTF-8', "attachment; filename=$log->{slug}"),
       "$label: Content-Disposition");
    my $want = Encode::encode('UTF-8', want_raw($log));
    ok($res->content eq $want, "$label: body") or do {
        diag('got:  ' . substr($res->content, 0, 300));
        diag('want: ' . substr($want, 0, 300));
    };
    if ($log->{type} eq 's' && $log->{num_lines} > 0) {
        unlike($res->content, qr/\n\z/, "$label: no trailing newline for stdio");
    }
    elsif ($log->{num_lines} > 0 && $log->{type} ne 'd') {
        like($res->content, qr/\n\z/, "$label: final newline kept");
    }
    ok(!defined $res->header('Expires'), "$label: no Expires");
}

# Same bytes whatever the compression: logs whose lines are equal must
# download equally (the fixture stores one text under several methods).
{
    my %by_text;
    for my $log (grep { $_->{type} ne 'd' && $_->{num_lines} > 0 } @$logs) {
        push @{ $by_text{ join "\n", @{ BBW::Oracle::log_lines($log->{logid}) } } }, $log;
    }
    for my $group (grep { @$_ > 1 } values %by_text) {
        my @bodies = map { api_raw("logs/$_->{logid}/raw")->content } grep { $_->{type} eq $group->[0]{type} } @$group;
        next unless @bodies > 1;
        is(scalar(grep { $_ eq $bodies[0] } @bodies), scalar @bodies,
           'logs ' . join(',', map { $_->{logid} } @$group) . ': same text, same download');
    }
}

# HEAD: headers only.
{
    my $log = $logs->[0];
    my $res = api_raw("logs/$log->{logid}/raw", method => 'HEAD');
    is($res->code, 200, 'HEAD raw: 200');
    is($res->content, '', 'HEAD raw: no body');
    is($res->header('Content-Disposition'), Encode::encode('UTF-8', "attachment; filename=$log->{slug}"),
       'HEAD raw: Content-Disposition');
}

# Nested forms of raw (six patterns, no buildername form).
{
    my ($log) = grep { $_->{num_lines} > 0 && $_->{type} ne 'd' } @$logs;
    my $step = BBW::Oracle::step_by_id($log->{stepid});
    my $b = BBW::Oracle::build_by_id($step->{buildid});
    my $slug = $log->{slug};
    my @forms = ("steps/$step->{stepid}/logs/$slug/raw",
                 "builds/$b->{buildid}/steps/$step->{number}/logs/$slug/raw",
                 "builders/$b->{builderid}/builds/$b->{number}/steps/$step->{number}/logs/$slug/raw");
    push @forms, "builds/$b->{buildid}/steps/$step->{name}/logs/$slug/raw",
                 "builders/$b->{builderid}/builds/$b->{number}/steps/$step->{name}/logs/$slug/raw"
        if $step->{name} =~ $ident;
    my $want = Encode::encode('UTF-8', want_raw($log));
    for my $form (@forms) {
        my $res = api_raw($form);
        is($res->code, 200, "/$form: 200");
        ok($res->content eq $want, "/$form: same body as /logs/$log->{logid}/raw");
    }
    my $name = BBW::Oracle::builder_by_id($b->{builderid})->{name};
    my $res = api_raw("builders/$name/builds/$b->{number}/steps/$step->{number}/logs/$slug/raw",
                      accept => 'application/json');
    is_error($res, 404, "Invalid path: builders/$name/builds/$b->{number}/steps/$step->{number}/logs/$slug/raw",
             'raw: no buildername form');
    $res = api_raw("logs/$log->{logid}/raw_inline", accept => 'application/json');
    is_error($res, 404, "Invalid path: logs/$log->{logid}/raw_inline", 'raw_inline does not exist in 3.7');
    $res = api_raw("steps/$step->{stepid}/logs/nosuchlog/raw", accept => 'application/json');
    is($res->code, 404, 'raw of an unknown slug: 404');
    is($res->header('Content-Type'), 'text/plain; charset=utf-8', 'raw 404: JSON error as text/plain');
    like($res->content, qr/^\{"error": "not found while getting from /, 'raw 404: not-found message');
}
{
    my $res = api_raw('logs/99999/raw');
    is($res->code, 404, '/logs/99999/raw: 404');
}

# Raw downloads are not JSON: no Expires even where json_cache_seconds > 0.
{
    my $res = api_raw("logs/$logs->[0]{logid}/raw", vhost => 'bbw_cache');
    is($res->code, 200, 'cache vhost: raw 200');
    ok(!defined $res->header('Expires') && !defined $res->header('Pragma'),
       'cache vhost: raw log has no Expires/Pragma');
}

done_testing;

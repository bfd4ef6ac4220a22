# Builders (rest-api.md §3.2, resource-types.md builder) and the output
# formats: compact vs pretty JSON (§4.2), HEAD (§4.4).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use HTTP::Date ();
use BBW::Test;
use BBW::Oracle;

my $builders = BBW::Oracle::builders();
ok(@$builders >= 2, 'fixture has at least two builders') or BAIL_OUT('no fixture data');

is_entities('builders', 'builders', $builders, '/builders');

for my $b (@$builders) {
    is_entities("builders/$b->{builderid}", 'builders', [$b],
                "/builders/$b->{builderid}", single => 1);
    next unless $b->{name} =~ /^[a-zA-Z_-][.a-zA-Z0-9_-]*$/;
    is_entities("builders/$b->{name}", 'builders', [$b],
                "/builders/$b->{name} (by name)", single => 1);
}

# Integer segments follow Python int(): sign, surrounding blanks.
my $first = $builders->[0];
for my $spelling ("+$first->{builderid}", "%20$first->{builderid}") {
    is_entities("builders/$spelling", 'builders', [$first],
                "/builders/$spelling is builder $first->{builderid}", single => 1);
}

# Unknown builders: 404 with the not-found message.
my $notfound_tail = q{with arguments ResultSpec(**{'filters': [], 'fields': None, 'properties': [], 'order': None, 'limit': None, 'offset': None})};
my $builder_patterns = '/builders/n:builderid,/builders/i:buildername,/masters/n:masterid/builders/n:builderid';
{
    my ($res) = api('builders/9999');
    is_error($res, 404, "not found while getting from endpoint for $builder_patterns $notfound_tail and {'builderid': 9999}");
    ($res) = api('builders/nosuchbuilder');
    is_error($res, 404, "not found while getting from endpoint for $builder_patterns $notfound_tail and {'buildername': 'nosuchbuilder'}");
    ($res) = api('builders/-1');
    is_error($res, 404, qr/^not found while getting from endpoint for .*\{'builderid': -1\}$/,
             '/builders/-1 is the numeric pattern');
}

# Per master: /masters/{m}/builders and /masters/{m}/builders/{b}.
my $masters = BBW::Oracle::masters();
for my $m (@$masters) {
    my $id = $m->{masterid};
    my @on = grep { grep { $_ == $id } @{ $_->{masterids} } } @$builders;
    is_entities("masters/$id/builders", 'builders', \@on, "/masters/$id/builders");
    for my $b (@$builders) {
        if (grep { $_ == $id } @{ $b->{masterids} }) {
            is_entities("masters/$id/builders/$b->{builderid}", 'builders', [$b],
                        "/masters/$id/builders/$b->{builderid}", single => 1);
        }
        else {
            my ($res) = api("masters/$id/builders/$b->{builderid}");
            is($res->code, 404, "/masters/$id/builders/$b->{builderid}: not on that master, 404");
        }
    }
}
is_entities('masters/9999/builders', 'builders', [], '/masters/9999/builders: unknown master, []');

# A builder no longer configured anywhere still appears, with masterids [].
my ($unconfigured) = grep { !@{ $_->{masterids} } } @$builders;
SKIP: {
    skip 'fixture has no unconfigured builder', 1 unless $unconfigured;
    my ($res, $data) = api("builders/$unconfigured->{builderid}");
    is_json($data->{builders}[0]{masterids}, [], 'unconfigured builder: masterids []');
}

# --- output formats ---------------------------------------------------------
my $doc = { builders => $builders, meta => { total => scalar @$builders } };
{
    my $res = request(GET => '/api/v2/builders', accept => 'application/json');
    is($res->content, compact_json($doc), 'compact: sorted keys, no whitespace, ASCII');
    unlike($res->content, qr/[^\x00-\x7f]/, 'compact: ASCII only');
    unlike($res->content, qr/[ \n]"|": /, 'compact: no separator whitespace');

    for my $accept ('text/html, application/json;q=0.9', 'application/json, text/plain, */*',
                    'xapplication/jsonx') {
        $res = request(GET => '/api/v2/builders', accept => $accept);
        is($res->header('Content-Type'), 'application/json; charset=utf-8',
           "Accept '$accept' contains application/json: compact");
        is($res->content, compact_json($doc), "Accept '$accept': compact body");
    }
    for my $accept (undef, '*/*', 'text/html', 'Application/JSON', 'application/*') {
        $res = request(GET => '/api/v2/builders', accept => $accept);
        my $label = defined $accept ? "Accept '$accept'" : 'no Accept';
        is($res->code, 200, "$label: 200");
        is($res->header('Content-Type'), 'text/plain; charset=utf-8', "$label: text/plain");
        is($res->content, pretty_json($doc), "$label: pretty, 2-space indent, sorted, no final newline");
    }
}

# --- HEAD: same status and headers, Content-Length, no body. --------------
for my $accept ('application/json', undef) {
    my $label = defined $accept ? 'compact' : 'pretty';
    my $get = request(GET => '/api/v2/builders', accept => $accept);
    my $head = request(HEAD => '/api/v2/builders', accept => $accept);
    is($head->code, 200, "HEAD ($label): 200");
    is($head->content, '', "HEAD ($label): no body");
    is($head->header('Content-Length'), length($get->content),
       "HEAD ($label): Content-Length of the GET body");
    is($head->header('Content-Type'), $get->header('Content-Type'),
       "HEAD ($label): same Content-Type as GET");
}
{
    my $head = request(HEAD => '/api/v2/builders/9999', accept => 'application/json');
    is($head->code, 404, 'HEAD on a missing builder: 404');
    is($head->content, '', 'HEAD on a missing builder: no body');
}

# --- json_cache_seconds (rest-api.md §9.1) ------------------------------------
# Main server: 0, no caching headers. bbw_cache vhost: 60, Expires = now + 60
# in RFC 1123 form and Pragma: no-cache on successful JSON GET and HEAD.
{
    my $res = request(GET => '/api/v2/builders', accept => 'application/json');
    ok(!defined $res->header('Expires'), 'json_cache_seconds 0: no Expires');
    ok(!defined $res->header('Pragma'), 'json_cache_seconds 0: no Pragma');
    for my $method (qw(GET HEAD)) {
        for my $accept ('application/json', undef) {
            my $label = "cache vhost $method " . (defined $accept ? 'compact' : 'pretty');
            my $before = time;
            $res = request($method => '/api/v2/builders', vhost => 'bbw_cache', accept => $accept);
            my $after = time;
            is($res->code, 200, "$label: 200");
            my $expires = $res->header('Expires') // '';
            like($expires, qr/^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$/,
                 "$label: Expires in RFC 1123 form");
            my $t = HTTP::Date::str2time($expires) // 0;
            ok($t >= $before + 59 && $t <= $after + 61, "$label: Expires is now + 60 s") or diag("Expires: $expires");
            is($res->header('Pragma'), 'no-cache', "$label: Pragma: no-cache");
        }
    }
    $res = request(GET => '/api/v2/builders/1', vhost => 'bbw_cache', accept => 'application/json');
    ok(defined $res->header('Expires'), 'cache vhost: single entity has Expires too');
    $res = request(GET => '/api/v2/builders?foo=1', vhost => 'bbw_cache', accept => 'application/json');
    is($res->code, 400, 'cache vhost: bad query 400');
    ok(!defined $res->header('Expires') && !defined $res->header('Pragma'), 'cache vhost: no Expires/Pragma on an error');
}

done_testing;

# /avatar (ui-assets.md §2) with avatar_methods gravatar (the default, main
# server), github and none (vhosts of t/conf/avatar.last.conf.in). LDAP
# avatars are covered with the LDAP tests.
#
# GitHub's servers cannot be reached from here, so a MOCK of its API stands
# in: this file forks a small HTTP server on 127.0.0.1:8597 that answers
# /users/<name>, /search/users and /search/commits the way api.github.com
# does for a few made-up accounts, and records every request (path and
# query, User-Agent, Accept, Authorization) so that the headers and the
# order of the lookups can be checked.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use BBW::Test;
use Apache::Test ();
use Digest::MD5 qw(md5_hex);
use File::Spec ();
use IO::Socket::INET ();
use JSON::PP ();
use LWP::UserAgent ();
use MIME::Base64 qw(encode_base64);
use POSIX ();

my $MOCK_PORT = 8597;
my $AVATARS = 'https://avatars.example.com/u';
my $json = JSON::PP->new->canonical;

# ---------------------------------------------------------------- the mock

my $mock_log = File::Spec->catfile(Apache::Test::vars('t_logs'), 'github_mock.log');
unlink $mock_log;

# What the mock answers for a path and query: (status, JSON body).
sub mock_answer {
    my ($target) = @_;
    my ($path, $query) = split /\?/, $target, 2;
    my %q = map { my ($k, $v) = split /=/, $_, 2; ($k => unescape($v // '')) }
            split /&/, $query // '';
    if ($path =~ m{^/users/(.*)\z}) {
        my $name = unescape($1);
        return (200, { login => 'octocat', avatar_url => "$AVATARS/1?v=4" }) if $name eq 'octocat';
        return (200, { login => 'plain', avatar_url => "$AVATARS/2" }) if $name eq 'plain';
        return (200, { login => 'frag', avatar_url => "$AVATARS/3?v=4#top" }) if $name eq 'frag';
        return (200, { login => 'evil', avatar_url => "$AVATARS/4\r\nSet-Cookie: x=1" })
            if $name eq 'evil';
        return (200, { login => 'nourl', avatar_url => undef }) if $name eq 'nourl';
        return (500, { message => 'Server Error' }) if $name eq 'broken';
        return (404, { message => 'Not Found' });
    }
    if ($path eq '/search/users') {
        my ($email) = ($q{q} // '') =~ /\A(.*) in:email\z/s;
        $email //= '';
        return (500, { message => 'Server Error' }) if $email eq 'error@example.com';
        return (200, { total_count => 1, items => [ { avatar_url => "$AVATARS/10?v=4" } ] })
            if $email eq 'byemail@example.com';
        return (200, { total_count => 0, items => [] });
    }
    if ($path eq '/search/commits') {
        my ($email) = ($q{q} // '') =~ /\Aauthor-email:(.*)\z/s;
        $email //= '';
        return (500, { message => 'Server Error' }) if $email eq 'error@example.com';
        return (200, { total_count => 1,
                       items => [ { author => { avatar_url => "$AVATARS/20?v=4" } } ] })
            if $email eq 'bycommit@example.com';
        return (200, { total_count => 1, items => [ { author => undef } ] })
            if $email eq 'ghost@example.com';
        return (200, { total_count => 0, items => [] });
    }
    return (404, { message => 'Not Found' });
}

sub unescape {
    my $s = shift;
    $s =~ tr/+/ /;
    $s =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge;
    return $s;
}

# One request per connection (Connection: close), recorded before answering.
sub mock_serve_one {
    my ($client) = @_;
    my $line = <$client> // return;
    my ($method, $target) = $line =~ m{^(\S+) (\S+) HTTP/} or return;
    my %h;
    while (defined(my $header = <$client>)) {
        $header =~ s/\r?\n\z//;
        last if $header eq '';
        my ($name, $value) = split /:\s*/, $header, 2;
        $h{lc $name} = $value;
    }
    open my $log, '>>', $mock_log or die "$mock_log: $!";
    print $log $json->encode({ method => $method, target => $target,
                               ua => $h{'user-agent'}, accept => $h{accept},
                               auth => $h{authorization} }), "\n";
    close $log;
    my ($status, $body) = mock_answer($target);
    my $content = $json->encode($body);
    print $client "HTTP/1.1 $status X\r\nContent-Type: application/json; charset=utf-8\r\n"
        . "Content-Length: " . length($content) . "\r\nConnection: close\r\n\r\n$content";
}

my $listener = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $MOCK_PORT,
                                     Listen => 16, ReuseAddr => 1, Proto => 'tcp')
    or plan skip_all => "cannot listen on 127.0.0.1:$MOCK_PORT for the GitHub mock: $!";
my $mock_pid = fork // die "fork: $!";
if (!$mock_pid) {
    while (my $client = $listener->accept) {
        $client->autoflush(1);
        mock_serve_one($client);
        close $client;
    }
    POSIX::_exit(0);
}
close $listener;
# local $?: the mock's exit status must not become this test's.
END { local $?; if ($mock_pid) { kill TERM => $mock_pid; waitpid $mock_pid, 0 } }

# The requests the mock saw since the last call.
my $mock_seen = 0;
sub mock_requests {
    open my $fh, '<', $mock_log or return ();
    my @lines = <$fh>;
    close $fh;
    my @new = @lines[$mock_seen .. $#lines];
    $mock_seen = @lines;
    return map { $json->decode($_) } @new;
}

# ---------------------------------------------------------------- helpers

sub gravatar {
    my ($email, $size) = @_;
    (my $lower = $email) =~ tr/A-Z/a-z/;
    return '//www.gravatar.com/avatar/' . md5_hex($lower) . '?d=retro&s=' . ($size // 32);
}

sub avatar {
    my ($query, %opt) = @_;
    my $method = delete $opt{method} || 'GET';
    return request($method, "/avatar$query", %opt);
}

# A redirect as Buildbot sends it: 302, the Location, an empty body.
sub redirects_to {
    my ($res, $location, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    is($res->code, 302, "$name: 302");
    is($res->header('Location'), $location, "$name: Location");
    is($res->content, '', "$name: empty body");
}

sub lookups_are {
    my ($expected, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my @seen = map { $_->{target} } mock_requests();
    is_deeply(\@seen, $expected, "$name: GitHub lookups in order")
        or diag(explain(\@seen));
}

# ---------------------------------------------------------------- gravatar

redirects_to(avatar('?email=Foo@Example.com'),
             '//www.gravatar.com/avatar/b48def645758b95537d4424c84d1a9ff?d=retro&s=32',
             'observed Foo@Example.com');
redirects_to(avatar('?email=foo%40example.com'), gravatar('foo@example.com'),
             'lower-case email, %40 decoded');
is(gravatar('foo@example.com'),
   '//www.gravatar.com/avatar/b48def645758b95537d4424c84d1a9ff?d=retro&s=32',
   'the email is lower-cased before hashing');
redirects_to(avatar(''), '//www.gravatar.com/avatar/d41d8cd98f00b204e9800998ecf8427e?d=retro&s=32',
             'no parameters: MD5 of the empty string');
redirects_to(avatar('?email='), gravatar(''), 'empty email');
redirects_to(avatar('?email=+Bob@X.org+'), gravatar(' bob@x.org '), "'+' is a space, not trimmed");
redirects_to(avatar('?email=a%2Bb@x.org'), gravatar('a+b@x.org'), '%2B is a plus');
redirects_to(avatar('?email=%zz@x.org'), gravatar('%zz@x.org'), 'a bad escape stays as is');
redirects_to(avatar('?email=%C3%89MILE@X.ORG'), gravatar("\xc3\x89mile\@x.org"),
             'only ASCII letters are lower-cased (bytes of UTF-8 kept)');
redirects_to(avatar('?email=a@x.org&email=b@x.org'), gravatar('a@x.org'), 'first email counts');
redirects_to(avatar('?email&size=12'), gravatar('', 12), "an item without '=' is skipped");
redirects_to(avatar('?email=a@x.org;size=40'), gravatar('a@x.org', 40), "';' separates too");
redirects_to(avatar('?username=someone&email=a@x.org'), gravatar('a@x.org'),
             'gravatar ignores the username');

my %sizes = ('64' => 64, 'abc' => 32, '' => 32, '%2048%20' => 48, '+7' => 7, '007' => 7,
             '1_0' => 10, '1__0' => 32, '4.5' => 32, '0' => 0, '-5' => 0, '99999' => 2048,
             '99999999999999999999' => 2048, '%00' => 32);
for my $size (sort keys %sizes) {
    redirects_to(avatar("?email=a\@x.org&size=$size"), gravatar('a@x.org', $sizes{$size}),
                 "size=$size");
}
redirects_to(avatar('?email=a@x.org&size=10&size=20'), gravatar('a@x.org', 10), 'first size counts');

{
    my $res = avatar('?email=Foo@Example.com', method => 'HEAD');
    redirects_to($res, gravatar('Foo@Example.com'), 'HEAD');
}
for my $method (qw(POST PUT DELETE)) {
    my $res = avatar('?email=a@x.org', method => $method, content => '');
    is($res->code, 405, "$method: 405");
    ok(!defined $res->header('Location'), "$method: no Location");
}
{
    my $long = 'a' x 2000;
    redirects_to(avatar("?email=$long\@x.org"), 'img/nobody.png',
                 'an email over 1 KiB: the placeholder');
    redirects_to(avatar('?email=a%0D%0ALocation:%20evil@x.org'),
                 gravatar("a\r\nlocation: evil\@x.org"), 'CR/LF in the email only hashed');
}

# ---------------------------------------------------------------- none

for my $query ('', '?email=Foo@Example.com', '?username=octocat&size=64') {
    redirects_to(avatar($query, vhost => 'bbw_avatar_none'), 'img/nobody.png',
                 "avatar_methods [] ($query)");
}
lookups_are([], 'avatar_methods []');

# ---------------------------------------------------------------- github (mock)

{
    my $gh = 'bbw_avatar_gh';
    redirects_to(avatar('?username=octocat', vhost => $gh), "$AVATARS/1?v=4&s=32",
                 'github by username');
    my @req = mock_requests();
    is(scalar @req, 1, 'one lookup for a known user');
    is($req[0]{target}, '/users/octocat', 'GET /users/<username>');
    is($req[0]{method}, 'GET', 'a GET');
    is($req[0]{ua}, 'Buildbot', 'User-Agent: Buildbot');
    is($req[0]{accept}, 'application/vnd.github.v3+json', 'Accept for users');
    is($req[0]{auth}, 'token t0k', 'Authorization: token <token>');

    redirects_to(avatar('?username=octocat&size=0', vhost => $gh), "$AVATARS/1?v=4",
                 'size 0: no s= added');
    redirects_to(avatar('?username=plain&size=40', vhost => $gh), "$AVATARS/2?s=40",
                 'avatar_url without a query gets ?s=');
    redirects_to(avatar('?username=frag', vhost => $gh), "$AVATARS/3?v=4&s=32#top",
                 's= goes before the fragment');
    mock_requests();

    redirects_to(avatar('?username=nobody&email=byemail@example.com', vhost => $gh),
                 "$AVATARS/10?v=4&s=32", 'unknown user, found by email');
    @req = mock_requests();
    is_deeply([ map { $_->{target} } @req ],
              [ '/users/nobody', '/search/users?q=byemail%40example.com+in%3Aemail' ],
              'users, then search/users with a form-encoded q');
    is($req[1]{accept}, 'application/vnd.github.v3+json', 'Accept for search/users');
    is($req[1]{auth}, 'token t0k', 'token on every lookup');

    redirects_to(avatar('?email=bycommit@example.com&size=20', vhost => $gh),
                 "$AVATARS/20?v=4&s=20", 'found by commit search');
    @req = mock_requests();
    is_deeply([ map { $_->{target} } @req ],
              [ '/search/users?q=bycommit%40example.com+in%3Aemail',
                '/search/commits?per_page=1&q=author-email%3Abycommit%40example.com&sort=committer-date' ],
              'no username: search/users, then search/commits (keys sorted)');
    is($req[1]{accept}, 'application/vnd.github.v3+json,application/vnd.github.cloak-preview',
       'Accept for search/commits');

    redirects_to(avatar('?username=broken&email=ghost@example.com', vhost => $gh),
                 gravatar('ghost@example.com'), 'all lookups miss: next method (gravatar)');
    lookups_are([ '/users/broken', '/search/users?q=ghost%40example.com+in%3Aemail',
                  '/search/commits?per_page=1&q=author-email%3Aghost%40example.com&sort=committer-date' ],
                'a 500 and a commit without author are misses');

    redirects_to(avatar('?email=error@example.com', vhost => $gh), gravatar('error@example.com'),
                 'the mock answering 500: misses');
    lookups_are([ '/search/users?q=error%40example.com+in%3Aemail',
                  '/search/commits?per_page=1&q=author-email%3Aerror%40example.com&sort=committer-date' ],
                'both searches asked');

    redirects_to(avatar('', vhost => $gh), gravatar(''), 'neither username nor email');
    lookups_are([], 'nothing to look up');
    redirects_to(avatar('?username=&email=', vhost => $gh), gravatar(''), 'both empty');
    lookups_are([], 'empty values are not looked up');

    redirects_to(avatar('?username=evil', vhost => $gh), gravatar(''),
                 'an avatar_url with CR/LF is not used');
    redirects_to(avatar('?username=nourl', vhost => $gh), gravatar(''), 'avatar_url null: a miss');
    lookups_are([ '/users/evil', '/users/nourl' ], 'unusable avatar_url');

    redirects_to(avatar('?username=a/b%20c%3F', vhost => $gh), gravatar(''),
                 'odd username: a miss');
    lookups_are([ '/users/a%2Fb%20c%3F' ], 'the username cannot reach other API paths');

    redirects_to(avatar('?email=x+y%2Bz@example.com', vhost => $gh),
                 gravatar('x y+z@example.com'), 'email with a space and a plus');
    lookups_are([ '/search/users?q=x+y%2Bz%40example.com+in%3Aemail',
                  '/search/commits?per_page=1&q=author-email%3Ax+y%2Bz%40example.com&sort=committer-date' ],
                'quote_plus encoding of the email');

    # Redirects found by a lookup are cached per process: two requests on
    # one kept-alive connection reach the same child, which asks once.
    my $ua = LWP::UserAgent->new(keep_alive => 1, max_redirect => 0);
    my $url = server_url($gh) . '/avatar?username=octocat&size=33';
    my @res = map { $ua->get($url) } 1 .. 2;
    redirects_to($_, "$AVATARS/1?v=4&s=33", 'cached redirect') for @res;
    lookups_are([ '/users/octocat' ], 'the second answer came from the cache');
    redirects_to($ua->get(server_url($gh) . '/avatar?username=octocat&size=34'),
                 "$AVATARS/1?v=4&s=34", 'another size');
    lookups_are([ '/users/octocat' ], 'the size is part of the cache key');
    redirects_to(avatar('?username=octocat', vhost => $gh, method => 'HEAD'),
                 "$AVATARS/1?v=4&s=32", 'HEAD on github');
    mock_requests();
}

{
    my $gh = 'bbw_avatar_ghonly';
    redirects_to(avatar('?username=octocat', vhost => $gh), "$AVATARS/1?v=4&s=32",
                 'client_id/client_secret');
    my @req = mock_requests();
    is($req[0]{auth}, 'basic ' . encode_base64('cid:s3cret', ''),
       'Authorization: basic base64(client_id:client_secret)');
    redirects_to(avatar('?email=nobody@example.com', vhost => $gh), 'img/nobody.png',
                 'github only, all misses: placeholder');
    lookups_are([ '/search/users?q=nobody%40example.com+in%3Aemail',
                  '/search/commits?per_page=1&q=author-email%3Anobody%40example.com&sort=committer-date' ],
                'github only');
    redirects_to(avatar('?username=broken', vhost => $gh), 'img/nobody.png',
                 'a 500 from the API: placeholder');
    lookups_are([ '/users/broken' ], 'one lookup');
}

{
    my $res = avatar('?username=octocat', vhost => 'bbw_avatar_down');
    is($res->code, 500, 'API unreachable: 500');
    is($res->content, 'internal error - see logs', 'API unreachable: body');
    is($res->header('Content-Type'), 'text/plain; charset=utf-8', 'API unreachable: text/plain');
    ok(!defined $res->header('Location'), 'API unreachable: no Location');
    redirects_to(avatar('?size=16', vhost => 'bbw_avatar_down'), gravatar('', 16),
                 'API unreachable but nothing to look up: gravatar');
}
lookups_are([], 'no stray lookups');

# ---------------------------------------------------------------- /config

# avatar_methods as the frontend sees it (www-config.md): the default is a
# bare object, an explicit setting a list.
SKIP: {
    my $res = request(GET => '/config');
    my $data = $res->code == 200 ? eval { JSON::PP->new->decode($res->content) } : undef;
    skip '/config is not served', 4 unless ref $data eq 'HASH';
    is_deeply($data->{avatar_methods}, { name => 'gravatar' }, 'default: the bare object');
    my %expected = (bbw_avatar_gh => [ { name => 'github' }, { name => 'gravatar' } ],
                    bbw_avatar_none => [], bbw_avatar_list => [ { name => 'gravatar' } ]);
    for my $vhost (sort keys %expected) {
        my $body = request(GET => '/config', vhost => $vhost)->content;
        my $config = eval { JSON::PP->new->decode($body) } || {};
        is_deeply($config->{avatar_methods}, $expected{$vhost}, "$vhost: avatar_methods");
    }
}

done_testing;

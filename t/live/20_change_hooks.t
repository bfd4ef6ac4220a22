# Change hooks end to end (issue 5): payloads of our own making in each
# provider's format are checked by mod_bbwww (t/conf/hooks.last.conf.in)
# and handed to the real master's hook; the change they make is read back
# through mod_bbwww's REST and starts a build of "quick". Every refused
# request — bad or missing signature or token, missing header, wrong
# content type, oversized body, wrong method, replayed delivery — records
# nothing.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use DBI ();
use Digest::SHA qw(hmac_sha256_hex hmac_sha1_hex);
use IO::Socket::INET ();
use JSON::PP ();
use MIME::Base64 ();
use Time::HiRes ();
use URI::Escape qw(uri_escape);
use Apache::Test ();
use File::Spec ();
use BBW::Test;
use BBW::Session;

my $json = JSON::PP->new->canonical->allow_nonref;
my $hooks = server_url('bbw_hooks');
my $lax = server_url('bbw_hooks_lax');
my $auth = server_url('bbw_hooks_auth');
my $dbh = DBI->connect("dbi:SQLite:dbname=$ENV{BBW_LIVE_DB}", '', '',
                       { RaiseError => 1, PrintError => 0, sqlite_unicode => 1 });
$dbh->do('PRAGMA busy_timeout = 5000');
sub db_value { ($dbh->selectrow_array(@_))[0] }
sub recorded { join '/', db_value('SELECT COUNT(*) FROM changes'),
                         db_value('SELECT COUNT(*) FROM buildsets') }

# Schedulers add a change's buildset after the hook has answered: wait
# until every change the scheduler takes (codebase '') has its buildset.
sub settled {
    my $deadline = time + 30;
    while (time < $deadline) {
        return 1 unless db_value(q{SELECT COUNT(*) FROM changes c WHERE c.codebase = ''
            AND NOT EXISTS (SELECT 1 FROM buildset_sourcestamps b
                            WHERE b.sourcestampid = c.sourcestampid)});
        Time::HiRes::sleep(0.2);
    }
    return 0;
}

my $GH_SECRET = 'gh-hook-secret';
my $BBS_SECRET = 'bbs-hook-secret';
my $GL_TOKEN = 'gl-hook-token';
my $serial = 0;
sub uuid { sprintf '6b1e%04x-%04x-4c1d-9a3e-%012x', $$ & 0xffff, ++$serial, time }

sub post {
    my ($url, $body, @headers) = @_;
    return http(POST => $url, headers => \@headers, content => $body);
}

sub get_json {
    my ($url) = @_;
    my $res = http(GET => $url, headers => [Accept => 'application/json']);
    return eval { $json->decode($res->content) };
}

# The change with this revision, as mod_bbwww's REST shows it.
sub change_by_revision {
    my ($rev, %opt) = @_;
    my $deadline = time + ($opt{timeout} || 0);
    while (1) {
        my $d = get_json("$hooks/api/v2/changes?order=-changeid&limit=200");
        my ($c) = grep { ($_->{revision} // '') eq $rev } @{ $d->{changes} || [] };
        return $c if $c || time >= $deadline;
        Time::HiRes::sleep(0.3);
    }
}

# The build started for the change's source stamp (REST: buildsets ->
# buildrequests -> builds), or undef after a minute.
sub build_of_change {
    my ($change) = @_;
    my $ssid = $change->{sourcestamp}{ssid} // return undef;
    my $deadline = time + 60;
    while (time < $deadline) {
        my $sets = get_json("$hooks/api/v2/buildsets?order=-bsid&limit=200");
        for my $bs (@{ $sets->{buildsets} || [] }) {
            next unless grep { $_->{ssid} == $ssid } @{ $bs->{sourcestamps} || [] };
            my $brs = get_json("$hooks/api/v2/buildrequests?buildsetid=$bs->{bsid}");
            for my $br (@{ $brs->{buildrequests} || [] }) {
                my $b = get_json("$hooks/api/v2/builds?buildrequestid=$br->{buildrequestid}");
                return $b->{builds}[0] if $b && @{ $b->{builds} || [] };
            }
        }
        Time::HiRes::sleep(0.5);
    }
    return undef;
}

sub check_change {
    my ($what, $rev, $want) = @_;
    my $c = change_by_revision($rev);
    ok($c, "$what: the change is in mod_bbwww's REST") or return;
    is_deeply({ map { $_ => $c->{$_} } keys %$want }, $want,
              "$what: author, revision, branch, repository, files, comments");
    my $build = build_of_change($c);
    ok($build, "$what: a build of the change started");
    is($build && $build->{builderid}, db_value("SELECT id FROM builders WHERE name = 'quick'"),
       "$what: on builder quick");
    return $c;
}

# ---------------------------------------------------------------- payloads

sub github_push {
    my ($sha, %o) = @_;
    return $json->encode({
        ref => 'refs/heads/' . ($o{branch} || 'main'),
        before => '0' x 40, after => $sha, created => JSON::PP::false,
        deleted => JSON::PP::false, forced => JSON::PP::false,
        repository => { id => 4242, name => 'widgets', full_name => 'acme/widgets',
                        html_url => 'https://github.com/acme/widgets',
                        clone_url => 'https://github.com/acme/widgets.git' },
        pusher => { name => 'ada', email => 'ada@example.org' },
        sender => { login => 'ada', id => 1 },
        head_commit => { id => $sha, message => $o{message} || 'Fix the widget' },
        commits => [{
            id => $sha, tree_id => 'f' x 40, distinct => JSON::PP::true,
            message => $o{message} || 'Fix the widget',
            timestamp => '2023-01-02T03:04:05+01:00',
            url => "https://github.com/acme/widgets/commit/$sha",
            author => { name => 'Ada Lovelace', email => 'ada@example.org', username => 'ada' },
            committer => { name => 'GitHub', email => 'noreply@github.com', username => 'web-flow' },
            added => ['src/new.c'], modified => ['src/widget.c'], removed => ['src/old.c'],
        }],
    });
}

sub github_headers {
    my ($body, %o) = @_;
    return ('Content-Type' => $o{ctype} || 'application/json',
            'User-Agent' => 'GitHub-Hookshot/abc123',
            'X-GitHub-Event' => $o{event} || 'push',
            'X-GitHub-Delivery' => $o{delivery} || uuid(),
            'X-GitHub-Hook-ID' => '420042',
            'X-Hub-Signature-256' => 'sha256=' . hmac_sha256_hex($body, $o{secret} || $GH_SECRET));
}

sub gitlab_push {
    my ($sha, %o) = @_;
    return $json->encode({
        object_kind => 'push', event_name => 'push',
        before => '0' x 40, after => $sha, ref => 'refs/heads/' . ($o{branch} || 'feature/gl'),
        checkout_sha => $sha, user_id => 7, user_name => 'Grace Hopper',
        user_username => 'grace', user_email => 'grace@example.org', project_id => 15,
        project => { id => 15, name => 'compiler', path_with_namespace => 'navy/compiler',
                     web_url => 'https://gitlab.example.org/navy/compiler' },
        repository => { name => 'compiler', url => 'git@gitlab.example.org:navy/compiler.git',
                        homepage => 'https://gitlab.example.org/navy/compiler',
                        git_http_url => 'https://gitlab.example.org/navy/compiler.git' },
        commits => [{
            id => $sha, message => "Teach the compiler COBOL\n",
            title => 'Teach the compiler COBOL', timestamp => '2023-03-04T05:06:07+00:00',
            url => "https://gitlab.example.org/navy/compiler/-/commit/$sha",
            author => { name => 'Grace Hopper', email => 'grace@example.org' },
            added => ['cobol/parser.y'], modified => ['Makefile'], removed => [],
        }],
        total_commits_count => 1,
    });
}

sub gitlab_headers {
    my (%o) = @_;
    return ('Content-Type' => 'application/json', 'X-Gitlab-Event' => 'Push Hook',
            'X-Gitlab-Event-UUID' => $o{delivery} || uuid(),
            'X-Gitlab-Instance' => 'https://gitlab.example.org',
            exists $o{token} ? (defined $o{token} ? ('X-Gitlab-Token' => $o{token}) : ())
                             : ('X-Gitlab-Token' => $GL_TOKEN));
}

sub bitbucket_cloud_push {
    my ($sha) = @_;
    return $json->encode({
        actor => { display_name => 'Linus Torvalds', nickname => 'linus', type => 'user' },
        repository => {
            type => 'repository', scm => 'git', name => 'kernel', full_name => 'lt/kernel',
            project => { name => 'Kernel', key => 'KRN', type => 'project' },
            links => { self => { href => 'https://api.bitbucket.org/2.0/repositories/lt/kernel' },
                       html => { href => 'https://bitbucket.org/lt/kernel' } },
        },
        push => { changes => [{
            new => { type => 'branch', name => 'release',
                     target => { type => 'commit', hash => $sha, message => 'Release it' } },
            old => { type => 'branch', name => 'release',
                     target => { type => 'commit', hash => 'e' x 40 } },
            created => JSON::PP::false, forced => JSON::PP::false, closed => JSON::PP::false,
        }] },
    });
}

sub bitbucket_cloud_headers {
    my (%o) = @_;
    return ('Content-Type' => 'application/json',
            'User-Agent' => 'Bitbucket-Webhooks/2.0',
            exists $o{event} ? (defined $o{event} ? ('X-Event-Key' => $o{event}) : ())
                             : ('X-Event-Key' => 'repo:push'),
            'X-Request-UUID' => $o{delivery} || uuid(),
            'X-Hook-UUID' => '{8f0a8b5e-0000-4000-8000-00000000beef}',
            'X-Attempt-Number' => 1);
}

sub bitbucket_server_push {
    my ($sha) = @_;
    return $json->encode({
        eventKey => 'repo:refs_changed', date => '2023-05-06T07:08:09+0000',
        actor => { name => 'margaret', username => 'margaret', displayName => 'Margaret Hamilton',
                   emailAddress => 'margaret@example.org', id => 3, type => 'NORMAL' },
        repository => {
            slug => 'apollo', name => 'apollo', scmId => 'git', state => 'AVAILABLE',
            project => { key => 'NASA', name => 'Guidance' },
            links => { self => [{ href => 'https://bitbucket.example.org/projects/NASA/repos/apollo/browse' }] },
        },
        changes => [{ ref => { id => 'refs/heads/lunar', displayId => 'lunar', type => 'BRANCH' },
                      refId => 'refs/heads/lunar', fromHash => 'd' x 40, toHash => $sha,
                      type => 'UPDATE' }],
        push => { changes => [{
            new => { type => 'branch', name => 'lunar', target => { type => 'commit', hash => $sha } },
            old => { type => 'branch', name => 'lunar', target => { type => 'commit', hash => 'd' x 40 } },
        }] },
    });
}

sub bitbucket_server_headers {
    my ($body, %o) = @_;
    return ('Content-Type' => 'application/json; charset=UTF-8',
            'X-Event-Key' => 'repo:refs_changed', 'X-Request-Id' => $o{delivery} || uuid(),
            'X-Hub-Signature' => 'sha256=' . hmac_sha256_hex($body, $o{secret} || $BBS_SECRET));
}

# ================================================================ accepted

my $rev = '1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c';
my $body = github_push($rev);
my $res = post("$hooks/change_hook/github", $body, github_headers($body));
is($res->code, 200, 'github push signed with X-Hub-Signature-256: 200 from the master');
is($res->content, '1 change found', '  the master\'s words');
check_change('github', $rev, {
    author => 'Ada Lovelace <ada@example.org>', committer => 'GitHub <noreply@github.com>',
    revision => $rev, branch => 'main', repository => 'https://github.com/acme/widgets',
    project => 'acme/widgets', files => ['src/new.c', 'src/widget.c', 'src/old.c'],
    comments => 'Fix the widget', when_timestamp => 1672625045,
});

my $form = join '&', map { "$_->[0]=" . uri_escape($_->[1]) } (
    [author => 'Barbara Liskov <barbara@example.org>'], [revision => 'base-rev-0001'],
    [branch => 'trunk'], [files => '["lib/subst.c", "README"]'],
    [comments => "Substitution principle\nsecond line"],
    [repository => 'https://example.org/clu.git'], [project => 'clu'],
    [properties => '{"ticket": 42}'], [when_timestamp => 1700000000]);
$res = post("$hooks/change_hook/base", $form,
            'Content-Type' => 'application/x-www-form-urlencoded');
is($res->code, 200, 'base: form fields: 200');
is($res->content, '1 change found', '  one change');
check_change('base', 'base-rev-0001', {
    author => 'Barbara Liskov <barbara@example.org>', revision => 'base-rev-0001',
    branch => 'trunk', repository => 'https://example.org/clu.git', project => 'clu',
    files => ['lib/subst.c', 'README'], comments => "Substitution principle\nsecond line",
    when_timestamp => 1700000000,
});
$res = http(GET => "$hooks/change_hook?author=" . uri_escape('Niklaus Wirth <nw@example.org>')
                   . '&revision=base-get-0002&comments=via+GET&branch=pascal&repository=r'
                   . '&files=' . uri_escape('["p.pas"]'));
is($res->code, 200, 'base: /change_hook with query arguments (GET): 200');
check_change('base (GET)', 'base-get-0002', {
    author => 'Niklaus Wirth <nw@example.org>', branch => 'pascal', files => ['p.pas'],
    comments => 'via GET', repository => 'r' });

my $gl_rev = 'a0b1c2d3e4f5a6b7c8d9a0b1c2d3e4f5a6b7c8d9';
$res = post("$hooks/change_hook/gitlab", gitlab_push($gl_rev), gitlab_headers());
is($res->code, 200, 'gitlab push with X-Gitlab-Token: 200');
check_change('gitlab', $gl_rev, {
    author => 'Grace Hopper <grace@example.org>', revision => $gl_rev,
    branch => 'feature/gl', repository => 'git@gitlab.example.org:navy/compiler.git',
    project => 'compiler', files => ['cobol/parser.y', 'Makefile'],
    comments => "Teach the compiler COBOL\n", category => 'push',
});

my $bbc_rev = 'b' x 8 . 'c0ffee00' x 4;
$res = post("$hooks/change_hook/bitbucketcloud", bitbucket_cloud_push($bbc_rev),
            bitbucket_cloud_headers());
is($res->code, 200, 'bitbucketcloud repo:push: 200');
check_change('bitbucketcloud', $bbc_rev, {
    author => 'Linus Torvalds <linus>', revision => $bbc_rev, branch => 'refs/heads/release',
    repository => 'https://api.bitbucket.org/2.0/repositories/lt/kernel', project => 'Kernel',
    files => [], comments => "Bitbucket Cloud commit $bbc_rev",
    revlink => "https://bitbucket.org/lt/kernel/commits/$bbc_rev",
});

my $bbs_rev = '5e7e' x 10;
$body = bitbucket_server_push($bbs_rev);
$res = post("$hooks/change_hook/bitbucketserver", $body, bitbucket_server_headers($body));
is($res->code, 200, 'bitbucketserver repo:refs_changed signed (X-Hub-Signature sha256=): 200');
check_change('bitbucketserver', $bbs_rev, {
    author => 'Margaret Hamilton <margaret>', revision => $bbs_rev, branch => 'refs/heads/lunar',
    repository => 'https://bitbucket.example.org/projects/NASA/repos/apollo/',
    project => 'Guidance', files => [], comments => "Bitbucket Server commit $bbs_rev",
});

$res = http(GET => "$hooks/change_hook/poller?poller=hook-poller");
is($res->code, 200, 'poller: the allowed poller is forced to poll: 200');
is($res->content, 'no change found', '  the master\'s words (polling itself makes the change)');
my $polled = change_by_revision('hook-poller-poll-1', timeout => 20);
ok($polled, 'poller: the poll recorded its change');
is_deeply([@{$polled || {}}{qw(author repository files)}],
          ['Hook Poller <poller@example.org>', 'poll://hook-poller', ['polled.txt']],
          '  with its author, repository and files');
ok($polled && build_of_change($polled), 'poller: a build of the polled change started');
$res = post("$hooks/change_hook/poller", '', 'Content-Type' => 'application/x-www-form-urlencoded');
is($res->code, 200, 'poller without names: 200, only the allowed pollers poll');
ok(change_by_revision('hook-poller-poll-2', timeout => 20), '  hook-poller polled again');

# What reaches the master's poller hook is made by the module: requests
# Twisted reads differently from a naive parser still poll only the allowed
# (the end of this file checks that other-poller never polled).
my $multipart = join "\r\n", '--XyZ', 'Content-Disposition: form-data; name="poller"', '',
                                'other-poller', '--XyZ--', '';
my $poll = 2;
for my $case (
    ['a key with a NUL (poller%00=) is not "poller"',
     GET => "$hooks/change_hook/poller?poller%00=hook-poller"],
    ['a form body on GET (Twisted ignores it)',
     GET => "$hooks/change_hook/poller", 'poller=hook-poller',
     'application/x-www-form-urlencoded'],
    ['a multipart field naming another poller (Twisted would add it)',
     POST => "$hooks/change_hook/poller?poller=hook-poller", $multipart,
     'multipart/form-data; boundary=XyZ'],
    ['a form body on POST naming the allowed poller',
     POST => "$hooks/change_hook/poller", 'poller=hook-poller',
     'application/x-www-form-urlencoded'],
) {
    my ($what, $method, $url, $content, $ctype) = @$case;
    $res = http($method => $url, defined $content
                ? (content => $content, headers => ['Content-Type' => $ctype]) : ());
    is($res->code, 200, "poller allowed=: $what: 200");
    $poll++;
    ok(change_by_revision("hook-poller-poll-$poll", timeout => 20), '  hook-poller polled');
}
$res = post("$hooks/change_hook/poller", 'poller=other-poller',
            'Content-Type' => 'application/x-www-form-urlencoded');
is($res->code, 400, 'poller allowed=: a POST form naming another poller: 400');

# Buildbot's lax GitHub settings, on their own vhost.
my $rev1 = '5ba1' x 10;
$body = github_push($rev1, message => 'Signed with SHA-1');
my %h = github_headers($body);
delete $h{'X-Hub-Signature-256'};
$res = post("$lax/change_hook/github", $body, %h,
            'X-Hub-Signature' => 'sha1=' . hmac_sha1_hex($body, $GH_SECRET));
is($res->code, 200, 'accept_sha1=on: X-Hub-Signature (SHA-1) accepted');
ok(change_by_revision($rev1), '  change recorded');
my $rev2 = '0000' x 9 . 'fee1';
$body = github_push($rev2, message => 'Unsigned');
%h = github_headers($body);
delete $h{'X-Hub-Signature-256'};
$res = post("$lax/change_hook/github", $body, %h);
is($res->code, 200, 'strict=off: an unsigned GitHub request passes (Buildbot\'s default)');
my $rev3 = 'c0de' x 10;
$res = post("$lax/change_hook/gitlab?codebase=evil&%63odebase=evil2&project=p", gitlab_push($rev3),
            gitlab_headers(token => undef));
is($res->code, 200, 'gitlab without a secret: no token needed');
my $pinned = change_by_revision($rev3);
is($pinned && $pinned->{codebase}, 'pinned', 'gitlab codebase=: the query\'s codebase is pinned');

# change_hook_auth: Apache's Basic auth, realm "Protected area".
settled();
my $before = recorded();
$res = post("$auth/change_hook/base", 'author=x&revision=auth-0&comments=c',
            'Content-Type' => 'application/x-www-form-urlencoded');
is($res->code, 401, 'change_hook_auth: no credentials: 401');
is($res->header('WWW-Authenticate'), 'Basic realm="Protected area"', '  Basic, Buildbot\'s realm');
$res = post("$auth/change_hook/base", 'author=x&revision=auth-1&comments=c',
            'Content-Type' => 'application/x-www-form-urlencoded',
            Authorization => 'Basic ' . MIME::Base64::encode_base64('dev:wrong', ''));
is($res->code, 401, 'change_hook_auth: a wrong password: 401');
is(recorded(), $before, '  nothing recorded');
$res = post("$auth/change_hook/base",
            'author=' . uri_escape('Dev <dev@example.org>') . '&revision=auth-2&comments=authorized',
            'Content-Type' => 'application/x-www-form-urlencoded',
            Authorization => 'Basic ' . MIME::Base64::encode_base64('dev:dev-pass', ''));
is($res->code, 200, 'change_hook_auth: valid credentials: 200');
ok(change_by_revision('auth-2'), '  change recorded');

# ================================================================ refused

# Each case: a request, the status and reason phrase (or JSON error)
# expected, and nothing recorded.
sub refused {
    my ($name, $res, $code, $message) = @_;
    subtest $name => sub {
        is($res->code, $code, "status $code");
        is($res->header('X-Content-Type-Options'), 'nosniff', 'nosniff');
        if ($code == 400) {
            is($res->message, $message, 'reason phrase');
            is($res->content, $message, 'body');
            is($res->header('Content-Type'), 'text/plain; charset=utf-8', 'as text, not HTML');
        }
        else {
            my $e = eval { $json->decode($res->content) } || {};
            like($e->{error} // '', $message, 'JSON error');
            like($res->header('Content-Type') // '', qr{^application/json}, 'JSON');
        }
    };
}

settled();
$before = recorded();
my $good_rev = '9009' x 10;
my $good = github_push($good_rev);

%h = github_headers($good, secret => 'not-the-secret');
refused('github: signed with another secret', post("$hooks/change_hook/github", $good, %h),
        400, 'Hash mismatch');
%h = github_headers($good);
refused('github: body changed after signing',
        post("$hooks/change_hook/github", github_push('7' x 40), %h), 400, 'Hash mismatch');
delete $h{'X-Hub-Signature-256'};
refused('github: no signature', post("$hooks/change_hook/github", $good, %h),
        400, 'Request has no required signature');
refused('github: only SHA-1 where it is not accepted',
        post("$hooks/change_hook/github", $good, %h,
             'X-Hub-Signature' => 'sha1=' . hmac_sha1_hex($good, $GH_SECRET)),
        400, 'Unknown hash type: sha1');
refused('github: signature without "="',
        post("$hooks/change_hook/github", $good, %h, 'X-Hub-Signature-256' => 'deadbeef'),
        400, 'Wrong signature format: deadbeef');
refused('github: another hash type in X-Hub-Signature-256',
        post("$hooks/change_hook/github", $good, %h,
             'X-Hub-Signature-256' => 'md5=' . ('0' x 32)), 400, 'Unknown hash type: md5');
%h = github_headers($good);
delete $h{'X-GitHub-Event'};
refused('github: no X-GitHub-Event', post("$hooks/change_hook/github", $good, %h),
        400, 'Unknown event: None');
refused('github: an event Buildbot has no handler for',
        post("$hooks/change_hook/github", $good, github_headers($good, event => 'issues')),
        400, 'Unknown event: issues');
refused('github: Content-Type with a charset (Buildbot wants it exact)',
        post("$hooks/change_hook/github", $good,
             github_headers($good, ctype => 'application/json; charset=utf-8')),
        400, "Unknown content type: b'application/json; charset=utf-8'");
%h = github_headers($good);
delete $h{'Content-Type'};
refused('github: no Content-Type', post("$hooks/change_hook/github", $good, %h),
        400, 'Unknown content type: None');
refused('github: signed but not JSON',
        post("$hooks/change_hook/github", 'not json', github_headers('not json')),
        400, 'Expecting value: line 1 column 1 (char 0)');
refused('github: GET without a body',
        http(GET => "$hooks/change_hook/github"), 400, 'Request has no required signature');

# A delivery the master refuses (500: payload without its keys) is not
# remembered; the fixed delivery with the same id then goes through.
my $retry_id = uuid();
$res = post("$hooks/change_hook/github", '{}', github_headers('{}', delivery => $retry_id));
is($res->code, 500, 'a signed push the master cannot process: its 500 is relayed');
is(recorded(), $before, '  nothing recorded');
$res = post("$hooks/change_hook/github", $good, github_headers($good, delivery => $retry_id));
is($res->code, 200, 'the same delivery id again, now processable: accepted (failures are not remembered)');
ok(change_by_revision($good_rev), '  change recorded');
settled();
$before = recorded();

refused('github: the same delivery again (GitHub\'s redeliver)',
        post("$hooks/change_hook/github", $good, github_headers($good, delivery => $retry_id)),
        409, qr/^duplicate delivery: X-GitHub-Delivery \Q$retry_id\E was already received$/);
refused('github: the same signed body under a new delivery id',
        post("$hooks/change_hook/github", $good, github_headers($good)),
        409, qr/^duplicate delivery: this signed payload was already received$/);
my $other = github_push('8118' x 10);
refused('github: a new payload under a used delivery id',
        post("$hooks/change_hook/github", $other, github_headers($other, delivery => $retry_id)),
        409, qr/^duplicate delivery: X-GitHub-Delivery/);

my $gl_bad = gitlab_push('6' x 40);
refused('gitlab: wrong token',
        post("$hooks/change_hook/gitlab", $gl_bad, gitlab_headers(token => 'gl-hook-tokeN')),
        400, 'Invalid secret');
refused('gitlab: no token',
        post("$hooks/change_hook/gitlab", $gl_bad, gitlab_headers(token => undef)),
        400, 'Invalid secret');
refused('gitlab: not JSON',
        post("$hooks/change_hook/gitlab", '{"object_kind": ', gitlab_headers()),
        400, 'Error loading JSON: Expecting value: line 1 column 17 (char 16)');
my $gl_id = uuid();
my $gl_rev2 = '2' x 40;
$res = post("$hooks/change_hook/gitlab", gitlab_push($gl_rev2), gitlab_headers(delivery => $gl_id));
is($res->code, 200, 'gitlab: a delivery');
settled();
$before = recorded();
refused('gitlab: the same X-Gitlab-Event-UUID again',
        post("$hooks/change_hook/gitlab", gitlab_push($gl_rev2), gitlab_headers(delivery => $gl_id)),
        409, qr/^duplicate delivery: X-Gitlab-Event-UUID/);

my $bbc = bitbucket_cloud_push('3' x 40);
refused('bitbucketcloud: no X-Event-Key',
        post("$hooks/change_hook/bitbucketcloud", $bbc, bitbucket_cloud_headers(event => undef)),
        400, 'Header X-Event-Key was not present');
refused('bitbucketcloud: an unknown event',
        post("$hooks/change_hook/bitbucketcloud", $bbc,
             bitbucket_cloud_headers(event => 'repo:fork')), 400, 'Unknown event: repo_fork');
%h = bitbucket_cloud_headers();
$h{'Content-Type'} = 'text/plain';
refused('bitbucketcloud: not JSON by its Content-Type',
        post("$hooks/change_hook/bitbucketcloud", $bbc, %h), 400, 'Unknown content type: text/plain');
delete $h{'Content-Type'};
refused('bitbucketcloud: no Content-Type', post("$hooks/change_hook/bitbucketcloud", $bbc, %h),
        400, 'Unknown content type: None');
my $bbc_id = uuid();
$res = post("$hooks/change_hook/bitbucketcloud", $bbc, bitbucket_cloud_headers(delivery => $bbc_id));
is($res->code, 200, 'bitbucketcloud: a delivery');
settled();
$before = recorded();
refused('bitbucketcloud: the same X-Request-UUID again',
        post("$hooks/change_hook/bitbucketcloud", $bbc, bitbucket_cloud_headers(delivery => $bbc_id)),
        409, qr/^duplicate delivery: X-Request-UUID/);

my $bbs = bitbucket_server_push('4' x 40);
refused('bitbucketserver: signed with another secret',
        post("$hooks/change_hook/bitbucketserver", $bbs,
             bitbucket_server_headers($bbs, secret => 'nope')), 400, 'Hash mismatch');
%h = bitbucket_server_headers($bbs);
delete $h{'X-Hub-Signature'};
refused('bitbucketserver: no signature', post("$hooks/change_hook/bitbucketserver", $bbs, %h),
        400, 'Request has no required signature');
%h = bitbucket_server_headers($bbs);
delete $h{'X-Event-Key'};
refused('bitbucketserver: no X-Event-Key', post("$hooks/change_hook/bitbucketserver", $bbs, %h),
        400, 'Header X-Event-Key is not present');

refused('poller: a name with markup is quoted as text (no reflected HTML)',
        http(GET => "$hooks/change_hook/poller?poller=%3Csvg%20onload%3Dalert(1)%3E"),
        400, 'Could not find pollers: <svg onload=alert(1)>');
$res = http(GET => "$hooks/change_hook/base?author=x&comments=y&when_timestamp="
                   . uri_escape('<svg onload=alert(1)>'));
is($res->code, 400, 'the master\'s own 400 quoting a parameter is relayed');
like($res->content, qr/<svg onload=alert\(1\)>/, '  with its words');
is($res->header('Content-Type'), 'text/plain; charset=utf-8', '  as text, not HTML');
is($res->header('X-Content-Type-Options'), 'nosniff', '  not sniffed');
refused('poller: a poller outside allowed=',
        http(GET => "$hooks/change_hook/poller?poller=other-poller&poller=hook-poller"),
        400, 'Could not find pollers: other-poller');
refused('a dialect not enabled here',
        post("$hooks/change_hook/gitorious", 'payload={}',
             'Content-Type' => 'application/x-www-form-urlencoded'),
        400, "The dialect specified, 'gitorious', wasn't whitelisted in change_hook");
refused('the dialect is the run of [A-Za-z0-9_] (git-hub is "git")',
        http(GET => "$hooks/change_hook/git-hub"),
        400, "The dialect specified, 'git', wasn't whitelisted in change_hook");

my $big = '{"pad": "' . ('x' x 70000) . '"}';
refused('oversized body (Content-Length over BuildbotChangeHookMaxBody)',
        post("$hooks/change_hook/github", $big, github_headers($big)),
        413, qr/^request body larger than 65536 bytes/);

# The same, chunked: the cap holds while the body streams in.
{
    my ($host, $port) = $hooks =~ m{^http://([^:/]+):(\d+)};
    my $sock = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Timeout => 20);
    my $chunk = 'x' x 16384;
    print $sock "POST /change_hook/base HTTP/1.1\r\nHost: $host\r\n"
              . "Content-Type: application/x-www-form-urlencoded\r\n"
              . "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    for (1 .. 5) { print $sock sprintf("%x\r\n%s\r\n", length $chunk, $chunk) }
    print $sock "0\r\n\r\n";
    local $/;
    my $raw = <$sock> // '';
    like($raw, qr{^HTTP/1\.1 413 }, 'oversized chunked body: 413');
}

# A huge body is not drained after the 413: the connection is closed at
# once (the client never sends the rest; draining would wait for Timeout).
{
    my ($host, $port) = $hooks =~ m{^http://([^:/]+):(\d+)};
    my $sock = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Timeout => 20);
    print $sock "POST /change_hook/base HTTP/1.1\r\nHost: $host\r\n"
              . "Content-Type: application/x-www-form-urlencoded\r\n"
              . "Content-Length: 50000000\r\n\r\n" . ('x' x 1000);
    my $t0 = Time::HiRes::time();
    my $raw = '';
    eval {
        local $SIG{ALRM} = sub { die "timeout\n" };
        alarm 10;
        while (sysread($sock, my $buf, 65536)) { $raw .= $buf }
        alarm 0;
    };
    alarm 0;
    like($raw, qr{^HTTP/1\.1 413 }, 'Content-Length of 50 MB: 413');
    like($raw, qr{^Connection: close\r$}mi, '  Connection: close');
    ok(!$@ && Time::HiRes::time() - $t0 < 8, '  the connection ends without draining the body');
}

# <Location /change_hook> BuildbotChangeHookMaxBody alone keeps the
# vhost's dialects; LimitRequestBody (4000 on the lax gitlab) answers 413.
my $mid = github_push('8192' x 10, message => 'x' x 9000);
refused('a Location setting only the size: its limit applies',
        post("$lax/change_hook/github", $mid, github_headers($mid)),
        413, qr/^request body larger than 8192 bytes \(BuildbotChangeHookMaxBody\)$/);
refused('LimitRequestBody below the hook limit (Content-Length): 413',
        post("$lax/change_hook/gitlab", '{"pad": "' . ('x' x 5000) . '"}', gitlab_headers()),
        413, qr/^request body larger than 4000 bytes \(LimitRequestBody\)$/);
{
    my ($host, $port) = $lax =~ m{^http://([^:/]+):(\d+)};
    my $sock = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Timeout => 20);
    my $chunk = 'x' x 1000;
    print $sock "POST /change_hook/gitlab HTTP/1.1\r\nHost: $host\r\n"
              . "Content-Type: application/json\r\n"
              . "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    for (1 .. 6) { print $sock sprintf("%x\r\n%s\r\n", length $chunk, $chunk) }
    print $sock "0\r\n\r\n";
    local $/;
    my $raw = <$sock> // '';
    like($raw, qr{^HTTP/1\.1 413 }, 'LimitRequestBody, chunked: 413 (Apache\'s own answer)');
}

for my $method (qw(PUT DELETE PATCH OPTIONS)) {
    my $r = http($method => "$hooks/change_hook/github", content => $good,
                 headers => [github_headers($good)]);
    refused("wrong method: $method", $r, 405, qr/^method $method not allowed/);
    is($r->header('Allow'), 'GET, HEAD, POST', "  $method: Allow header");
}

Time::HiRes::sleep(1);   # a poll the module let through would show by now
is(recorded(), $before, 'no refused request recorded a change or a buildset');
is(db_value("SELECT COUNT(*) FROM changes WHERE repository = 'poll://other-poller'"), 0,
   'the poller outside allowed= never polled');

# Leave the worker idle for the tests that follow.
my $deadline = time + 120;
while (time < $deadline
       && db_value('SELECT COUNT(*) FROM buildrequests WHERE complete = 0')) {
    Time::HiRes::sleep(0.5);
}
is(db_value('SELECT COUNT(*) FROM buildrequests WHERE complete = 0'), 0,
   'every build the hooks started finished');

# Deliveries are remembered across a graceful restart (the table outlives
# configuration generations). The restart makes t/live/99_error_log.t look
# only at the lines after it: the lines before it are checked here.
my $error_log = File::Spec->catfile(Apache::Test::vars('t_logs'), 'error_log');
sub log_lines { open my $fh, '<', $error_log or return (); my @l = <$fh>; @l }
my @lines = log_lines();
my ($last_start) = grep { $lines[$_] =~ /resuming normal operations/ } reverse 0 .. $#lines;
my @bad = grep { !/AH0161[78]:|AH01695:/ } grep {
    /\[[\w.]*:(?:error|crit|alert|emerg)\]/ || /AddressSanitizer|LeakSanitizer|runtime error:/
        || /exit signal|Segmentation fault/
} @lines[($last_start // 0) .. $#lines];
is(scalar @bad, 0, 'error_log before the restart: no error lines') or diag(join '', @bad[0 .. 9]);
my $starts = grep { /resuming normal operations/ } @lines;
my $pidfile = File::Spec->catfile(Apache::Test::vars('t_logs'), 'httpd.pid');
open my $pfh, '<', $pidfile or die "$pidfile: $!";
chomp(my $httpd = <$pfh>);
close $pfh;
ok(kill(USR1 => $httpd), 'graceful restart of httpd');
$deadline = time + 30;
Time::HiRes::sleep(0.3)
    while time < $deadline && (grep { /resuming normal operations/ } log_lines()) <= $starts;
Time::HiRes::sleep(1);    # the old generation's idle children leave
refused('after a graceful restart, the same delivery is still a duplicate',
        post("$hooks/change_hook/github", $good, github_headers($good, delivery => $retry_id)),
        409, qr/^duplicate delivery: X-GitHub-Delivery \Q$retry_id\E was already received$/);

done_testing;

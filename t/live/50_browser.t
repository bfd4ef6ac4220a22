# The UI in a real browser (issue 4): headless Debian chromium, driven by
# playwright-core (t/browser/), against mod_bbwww serving htdocs/ in front of
# the live master and worker (t/conf/browser.last.conf.in). Every browser
# assertion of t/browser/run.mjs is one test here; screenshots land in
# t/browser/screenshots/. A missing node, npm, playwright-core or chromium is
# a failure, never a skip.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Cwd ();
use DBI ();
use Digest::SHA ();
use Encode ();
use BBW::Test;

my $top = Cwd::abs_path("$FindBin::Bin/../..");
my $chromium = $ENV{BBW_CHROMIUM} || '/usr/bin/chromium';
my %url = (
    BBW_BROWSER_URL       => server_url('bbw_browser') . '/',
    BBW_BROWSER_SUB_URL   => server_url('bbw_browser_sub') . '/ci/',
    BBW_BROWSER_PWNED_URL => server_url('bbw_browser_pwned') . '/',
);

sub which {
    my $prog = shift;
    for my $dir (split /:/, $ENV{PATH} || '/usr/bin:/bin') {
        return "$dir/$prog" if -x "$dir/$prog";
    }
    return undef;
}

# ---- the tools: Debian's node, npm and chromium (build/deps.sh), the
# pinned playwright-core (build/browser-deps.sh: npm ci, idempotent) ----
my $node = which('node');
ok($node, 'node is installed (build/deps.sh installs Debian\'s nodejs)')
    or diag('no node in PATH: run build/deps.sh as root');
ok(which('npm'), 'npm is installed (build/deps.sh)')
    or diag('no npm in PATH: run build/deps.sh as root');
ok(-x $chromium, "chromium is installed at $chromium (build/deps.sh)")
    or diag("no $chromium: run build/deps.sh as root (Debian package chromium)");
my $deps = `"$top/build/browser-deps.sh" 2>&1`;
my $deps_ok = $? == 0;
ok($deps_ok, 'playwright-core is installed in t/browser/node_modules (npm ci)')
    or diag($deps);

# ---- one change in the live database, for the changes page. The live
# master has no change source; the row is what a poller would store. ----
seed_change();

unless ($node && $deps_ok) {
    fail('the browser tests ran (node and playwright-core are needed)');
    done_testing();
    exit;
}

# ---- the browser run: its TAP, line by line, as tests of this file ----
$ENV{$_} = $url{$_} for keys %url;
$ENV{BBW_CHROMIUM} = $chromium;
$ENV{BBW_BROWSER_SHOTS} ||= "$top/t/browser/screenshots";
diag("browser sites: " . join(' ', map { "$_=$url{$_}" } sort keys %url));
open(my $run, '-|', 'timeout', '--kill-after=10', '200', $node, "$top/t/browser/run.mjs", @ARGV)
    or die "cannot run node: $!";
my ($plan, $seen, @unparsed) = (undef, 0);
while (my $line = <$run>) {
    chomp $line;
    if ($line =~ /^(not )?ok\s+(\d+)\s*(?:-\s*)?(.*)$/) {
        $seen++;
        ok(!$1, "browser: $3");
    } elsif ($line =~ /^1\.\.(\d+)/) {
        $plan = $1;
    } elsif ($line =~ /^#\s?(.*)$/) {
        my $text = $1;
        # Indented "#   " lines are the diagnostics of a failure.
        $text =~ /^\s{2}/ ? diag($text) : note($text);
    } elsif (length $line) {
        push @unparsed, $line;
        note("node: $line");
    }
}
close $run;
my $status = $? >> 8;
ok(defined $plan && $plan == $seen,
   'the browser run printed its plan and every assertion of it')
    or diag("plan " . ($plan // 'missing') . ", $seen assertion(s) seen, exit $status"
            . (@unparsed ? "\n" . join("\n", @unparsed[0 .. ($#unparsed > 20 ? 20 : $#unparsed)]) : ''));
is($status, 0, 'node t/browser/run.mjs exited 0 (every browser assertion passed)');
note("screenshots: $ENV{BBW_BROWSER_SHOTS}");
done_testing();

sub seed_change {
    my $db = $ENV{BBW_LIVE_DB};
    my $dbh = eval {
        DBI->connect("dbi:SQLite:dbname=$db", '', '',
                     { RaiseError => 1, PrintError => 0, sqlite_unicode => 1 });
    };
    unless ($dbh) {
        fail("the live database $db opens");
        diag($@);
        return;
    }
    $dbh->do('PRAGMA busy_timeout = 10000');
    my $revision = 'b10e5e1f0c0ffee0000000000000000000000050';
    my $have = $dbh->selectrow_array('SELECT COUNT(*) FROM changes WHERE revision = ?', undef, $revision);
    if (!$have) {
        my $ok = eval {
            my $now = time;
            my ($branch, $repository, $project, $codebase) = ('main', 'https://example.org/repo.git', 'mod_bbwww', '');
            # Buildbot's ss_hash: sha1 of branch, revision, repository,
            # project, codebase, patchid joined by NUL (None as \xf5), so a
            # build forced with the same values reuses this source stamp.
            my $hash = Digest::SHA::sha1_hex(join "\0", map { defined $_ ? Encode::encode_utf8($_) : "\xf5" }
                                             $branch, $revision, $repository, $project, $codebase, undef);
            $dbh->begin_work;
            $dbh->do('INSERT INTO sourcestamps (ss_hash, branch, revision, patchid, repository, codebase, project, created_at)'
                     . ' VALUES (?, ?, ?, NULL, ?, ?, ?, ?)', undef,
                     $hash, $branch, $revision, $repository, $codebase, $project, $now);
            my $ssid = $dbh->sqlite_last_insert_rowid;
            $dbh->do('INSERT INTO changes (author, committer, comments, branch, revision, revlink, when_timestamp,'
                     . ' category, repository, codebase, project, sourcestampid, parent_changeids)'
                     . ' VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, NULL)', undef,
                     'Ada Admin <ada@example.org>', 'Ada Admin <ada@example.org>',
                     'Browser test change: teach the UI to render changes',
                     $branch, $revision, '', $now, $repository, $codebase, $project, $ssid);
            my $cid = $dbh->sqlite_last_insert_rowid;
            $dbh->do('INSERT INTO change_files (changeid, filename) VALUES (?, ?)', undef, $cid, $_)
                for 'htdocs/js/pages/changes.js', 'README.md';
            $dbh->commit;
            1;
        };
        unless ($ok) {
            my $err = $@;
            eval { $dbh->rollback };
            fail('a change is stored in the live database');
            diag($err);
            $dbh->disconnect;
            return;
        }
    }
    pass('a change is stored in the live database (revision b10e5e1f)');
    $dbh->disconnect;
}

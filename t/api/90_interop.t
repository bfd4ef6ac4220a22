# Interop: a real Buildbot 3.7 master reads the same SQLite database as the
# module under test; every URL of t/interop/urls.txt must get the same answer
# from both, or the documented difference (t/interop/run.sh, compare.py).
# One test per URL. SQLite only: the reference master needs the database
# file, and the PostgreSQL fixture is the same data.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use File::Spec;
use File::Temp qw(tempfile);

my $t_dir = Apache::Test::vars('t_dir');
my $run = File::Spec->catfile($t_dir, 'interop', 'run.sh');
my $urls = File::Spec->catfile($t_dir, 'interop', 'urls.txt');
my $driver = $ENV{BBW_DBD_DRIVER} // 'sqlite3';
my $db = $ENV{BBW_DBD_PARAMS} // '';

my $count = 0;
if (open my $fh, '<', $urls) {
    while (<$fh>) {
        $count++ if /\S/ && !/^\s*#/;
    }
    close $fh;
}

plan tests => $count, need {
    'the interop run needs the SQLite fixture (BBW_DBD_DRIVER=sqlite3); '
        . "this run uses $driver" => $driver eq 'sqlite3',
    "no SQLite database at '$db'" => ($driver ne 'sqlite3' || -f $db),
    'BBW_INTEROP=0 turns the interop run off' => (($ENV{BBW_INTEROP} // 1) ne '0'),
    "no URL list at $urls" => $count > 0,
};

my $base = 'http://' . Apache::TestRequest::hostport() . '/';
my (undef, $errfile) = tempfile('bbw-interop-XXXXXX', TMPDIR => 1, UNLINK => 1);

# run.sh prints TAP lines from compare.py on stdout; its own messages (master
# start-up and shutdown) go to a file shown only when something fails.
open my $out, '-|', 'sh', '-c', 'timeout --kill-after=10 180 "$0" "$1" "$2" --tap --timeout 20 2>"$3"',
    $run, $db, $base, $errfile
    or die "cannot run $run: $!";

# Everything compare.py said also goes to t/logs/interop.log, since the
# harness shows no diagnostics unless run with -verbose.
my $log_path = File::Spec->catfile($t_dir, 'logs', 'interop.log');
open my $log, '>', $log_path or die "cannot write $log_path: $!";

my ($seen, $failed) = (0, 0);
while (my $line = <$out>) {
    print {$log} $line;
    chomp $line;
    if ($line =~ /^(not )?ok \d+ - (.*)$/) {
        my ($bad, $name) = ($1, $2);
        $seen++;
        $failed++ if $bad;
        ok(!$bad, $name);
        next;
    }
    if ($line =~ /^#\s+(line \d+: .*)$/) {
        diag($1);
    }
    elsif ($line =~ /^# (interop: .*|note: .*)$/) {
        note($1);
        diag($1) if $failed;
    }
}
close $out;
my $rc = $? >> 8;
if (open my $fh, '<', $errfile) {
    print {$log} $_ while <$fh>;
}
close $log;

if ($seen < $count) {
    my $err = '';
    if (open my $fh, '<', $errfile) {
        local $/;
        $err = <$fh> // '';
    }
    diag("t/interop/run.sh exited with status $rc after $seen of $count URLs");
    diag($err) if length $err;
    ok(0, "interop: no answer for URL " . ($_ + 1)) for $seen .. $count - 1;
}
elsif ($failed) {
    diag("details: $log_path; by hand: t/interop/run.sh $db $base -v");
}

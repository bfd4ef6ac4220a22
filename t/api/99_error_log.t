# The error_log of this run holds no unexpected lines: nothing at error level
# or above, no crash of a child, no AddressSanitizer report. Runs last
# (t/live/99_error_log.t runs it again after the live tests).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Apache::Test ();
use File::Spec ();

my $file = File::Spec->catfile(Apache::Test::vars('t_logs'), 'error_log');
ok(-f $file, "error_log exists ($file)") or do { done_testing; exit };

# Only this server's lines: from the last start-up notice on.
open my $fh, '<', $file or die "$file: $!";
my @lines = <$fh>;
close $fh;
my $start = 0;
for my $i (0 .. $#lines) {
    $start = $i if $lines[$i] =~ /resuming normal operations/;
}
my @run = @lines[$start .. $#lines];
ok(@run, 'error_log has lines for this run');

# What tests provoke on purpose: Apache refusing wrong passwords at
# /auth/login (the dead master's vhost keeps mod_proxy quiet instead).
my $expected = qr/AH0161[78]:|AH01695:/;
my @bad = grep { !/$expected/ } grep {
    /\[[\w.]*:(?:error|crit|alert|emerg)\]/
        || /AddressSanitizer|LeakSanitizer|runtime error:/
        || /exit signal|Segmentation fault|child process \d+ still did not exit/
        || /\bBBW\d+.*\b(?:assert|abort)/i
} @run;
is(scalar @bad, 0, 'no [error]/[crit]/[alert]/[emerg], sanitizer or crash lines')
    or diag(join '', @bad[0 .. ($#bad < 19 ? $#bad : 19)]);

my @bbwww = grep { /\[bbwww:/ } @run;
note(scalar(@bbwww) . ' mod_bbwww lines in the error_log');

done_testing;

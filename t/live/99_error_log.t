# The error_log check of t/api/99_error_log.t, again after the live tests.
use strict;
use warnings;
use FindBin;
do "$FindBin::Bin/../api/99_error_log.t" or die $@ || $!;

package BBW::Configtest;
# `apache2 -t` on a tiny configuration that loads the module of this run:
# what `apachectl configtest` says about some directives.
use strict;
use warnings;

use Exporter 'import';
use File::Spec ();
use File::Temp ();
use FindBin ();
use Apache::Test ();

our @EXPORT = qw(configtest);

my $dir;

# configtest(LINES, %options) -> (exit status, output). LINES go inside
# <Location "/"> with SetHandler bbwww, or at server level with
# server => 1.
sub configtest {
    my ($lines, %opt) = @_;
    $dir //= File::Temp::tempdir(CLEANUP => 1);
    my $module = File::Spec->rel2abs("$FindBin::Bin/../../mod_bbwww/.libs/mod_bbwww.so");
    my $httpd = Apache::Test::vars('httpd') || '/usr/sbin/apache2';
    my $body = $opt{server} ? $lines : qq{<Location "/">\n    SetHandler bbwww\n$lines\n</Location>};
    open my $fh, '>', "$dir/httpd.conf" or die "$dir/httpd.conf: $!";
    print $fh <<"EOC";
ServerRoot "$dir"
ServerName 127.0.0.1
Listen 127.0.0.1:1
PidFile "$dir/httpd.pid"
DefaultRuntimeDir "$dir"
ErrorLog "$dir/error_log"
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule dbd_module /usr/lib/apache2/modules/mod_dbd.so
LoadModule bbwww_module $module
$body
EOC
    close $fh;
    my $out = `'$httpd' -t -f '$dir/httpd.conf' 2>&1`;
    return ($? >> 8, $out);
}

1;

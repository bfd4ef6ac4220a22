# `apachectl configtest` refuses malformed UI directives (bbw_ui.c) and names
# the directive and the value: each case runs `apache2 -t` on a tiny
# configuration that loads the module built for this run.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use File::Temp ();
use Apache::Test ();
use BBW::Configtest;

my $fixtures = File::Spec->rel2abs("$FindBin::Bin/../ui-fixtures");
my $dir = File::Temp::tempdir(CLEANUP => 1);


sub write_file {
    my ($path, $text) = @_;
    mkdir((File::Spec->splitpath($path))[1]);
    open my $fh, '>', $path or die "$path: $!";
    print $fh $text;
    close $fh;
}
mkdir "$dir/empty";
write_file("$dir/neither/index.html", "<html><body>plain</body></html>\n");
write_file("$dir/unknown/index.html", "<html>{{ configjson|safe }}{{ secret }}</html>\n");
write_file("$dir/unclosed/index.html", "<html>{% for app in config.plugins %}{{app}}</html>\n");

my ($rc, $out) = configtest(<<"EOL");
    BuildbotUI $fixtures/app
    BuildbotTheme bb-sidebar-background-color #fff
    BuildbotTheme bb-sidebar-header-text-color "rgba(1, 2, 3, 0.5)"
    BuildbotTheme bb-sidebar-title-text-color transparent
    BuildbotTheme bb-sidebar-button-text-color "hsl(120deg, 50%, 50%)"
    BuildbotUIDefaultConfig Builders.buildFetchLimit 500
    BuildbotUIDefaultConfig Some.setting '{"a": [1, "x"], "b": null}'
    BuildbotUIDefaultConfig Some.string '"text"'
    BuildbotPlugin waterfall_view
    BuildbotPlugin console_view '{"x": 1}'
    BuildbotVersion "My site" 1.0
    BuildbotDefaultPage console
    BuildbotDebug on
EOL
is($rc, 0, 'well-formed UI directives pass') or diag($out);
($rc, $out) = configtest("    BuildbotOfficialUI $fixtures/official3\n"
                         . "    BuildbotCustomTemplatesDir $fixtures/templates\n");
is($rc, 0, 'official 3.x UI and custom templates pass') or diag($out);
($rc, $out) = configtest("    BuildbotOfficialUI $fixtures/official4\n    BuildbotUI off\n");
is($rc, 0, 'official 4.x UI passes') or diag($out);

my @bad = (
    ['BuildbotTheme bb-sidebar-nope #fff',                          'bb-sidebar-nope'],
    ['BuildbotTheme --bb-sidebar-background-color #fff',            '--bb-sidebar-background-color'],
    ['BuildbotTheme bb-sidebar-background-color "red;}body{x:y"',   'red;}body{x:y'],
    ['BuildbotTheme bb-sidebar-background-color "url(http://x/)"',  'url(http://x/)'],
    ['BuildbotTheme bb-sidebar-background-color "expression(alert(1))"', 'expression('],
    ['BuildbotTheme bb-sidebar-background-color "red</style><script>"', 'red</style>'],
    ['BuildbotTheme bb-sidebar-background-color "\'red\'"',          "'red'"],
    ['BuildbotTheme bb-sidebar-background-color "red /* x */"',     'red /* x */'],
    ['BuildbotTheme bb-sidebar-background-color "@import"',         '@import'],
    ['BuildbotTheme bb-sidebar-background-color "a\\\\b"',          'a\\'],
    ['BuildbotTheme bb-sidebar-background-color "1/2"',             '1/2'],
    ['BuildbotTheme bb-sidebar-background-color #12',               '#12'],
    ['BuildbotTheme bb-sidebar-background-color "rgb(1,(2),3)"',    'rgb(1,(2),3)'],
    ['BuildbotTheme bb-sidebar-background-color ' . ('a' x 120),   'a' x 20],
    ['BuildbotTheme bb-sidebar-background-color',                   'BuildbotTheme'],
    ['BuildbotUIDefaultConfig a.b \'{"x":\'',                       '{"x":'],
    ['BuildbotUIDefaultConfig a.b nope',                            'nope'],
    ['BuildbotUIDefaultConfig a.b "[1,]"',                          '[1,]'],
    ['BuildbotPlugin bad-name',                                     'bad-name'],
    ['BuildbotPlugin waterfall_view "{nope"',                       '{nope'],
    ['BuildbotDebug maybe',                                         'BuildbotDebug'],
    ['BuildbotUI /nonexistent/htdocs',                              '/nonexistent/htdocs'],
    ['BuildbotOfficialUI /nonexistent/www',                         '/nonexistent/www'],
    ["BuildbotOfficialUI $dir/empty",                               'index.html'],
    ["BuildbotOfficialUI $dir/neither",                             'placeholder'],
    ["BuildbotOfficialUI $dir/unknown",                             'secret'],
    ["BuildbotOfficialUI $dir/unclosed",                            'endfor'],
    ['BuildbotCustomTemplatesDir /nonexistent/templates',           '/nonexistent/templates'],
    ["BuildbotDefaultPage \"\"",                                    'BuildbotDefaultPage'],
);
for my $case (@bad) {
    my ($line, $value) = @$case;
    ($rc, $out) = configtest("    $line\n");
    my ($directive) = $line =~ /^(\S+)/;
    isnt($rc, 0, "configtest refuses: $line");
    like($out, qr/\Q$directive\E/, "  and names $directive") or diag($out);
    like($out, qr/\Q$value\E/, "  and the value") or diag($out);
}

done_testing;

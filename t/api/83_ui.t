# The UI (www-config.md §3-5): the index page with the frontend config and
# theme injected, the app's static files, the official 3.x (Jinja) and 4.x
# (placeholder) UIs rendered as the master renders them, custom templates,
# a sub-path mount, and the /config keys of the UI directives. Vhosts:
# t/conf/ui.last.conf.in; the app is the fixture of t/ui-fixtures/app/.
use strict;
use warnings;
use utf8;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use BBW::Test;
use BBW::Oracle ();
use Apache::Test ();
use File::Temp ();
use JSON::PP ();

my $fixtures = "$FindBin::Bin/../ui-fixtures";
my $json = JSON::PP->new->allow_nonref;

sub slurp {
    my ($path) = @_;
    open my $fh, '<:raw', $path or die "$path: $!";
    local $/;
    return scalar <$fh>;
}

sub get { my ($vhost, $path, @h) = @_; request(GET => $path, vhost => $vhost, headers => [@h]) }

# The JSON of the page's <script id="bb-config"> element.
sub page_json {
    my ($html) = @_;
    return $html =~ m{<script id="bb-config">\n    window\.buildbotFrontendConfig = (.*?);\n</script>}s
        ? $1 : undef;
}

# Top-level keys of a JSON object text, in order.
sub top_keys {
    my ($text) = @_;
    my (@keys, $depth, $in_string, $escape, $start);
    $depth = 0;
    for my $i (0 .. length($text) - 1) {
        my $c = substr($text, $i, 1);
        if ($in_string) {
            if ($escape) { $escape = 0 }
            elsif ($c eq '\\') { $escape = 1 }
            elsif ($c eq '"') {
                $in_string = 0;
                push @keys, substr($text, $start, $i - $start)
                    if $depth == 1 && substr($text, $i + 1, 2) eq ': ';
            }
            next;
        }
        if ($c eq '"') { $in_string = 1; $start = $i + 1 }
        elsif ($c eq '{' || $c eq '[') { $depth++ }
        elsif ($c eq '}' || $c eq ']') { $depth-- }
    }
    return \@keys;
}

# What Buildbot 4.x's IndexResource does with a page (www-config.md §5.3).
my @theme_vars = (
    ['bb-sidebar-background-color', '#30426a'],
    ['bb-sidebar-header-background-color', '#273759'],
    ['bb-sidebar-header-text-color', '#fff'],
    ['bb-sidebar-title-text-color', '#627cb7'],
    ['bb-sidebar-footer-background-color', '#273759'],
    ['bb-sidebar-button-text-color', '#b2bfdc'],
    ['bb-sidebar-button-hover-background-color', '#1b263d'],
    ['bb-sidebar-button-hover-text-color', '#fff'],
    ['bb-sidebar-button-current-background-color', '#273759'],
    ['bb-sidebar-button-current-text-color', '#b2bfdc'],
    ['bb-sidebar-stripe-hover-color', '#e99d1a'],
    ['bb-sidebar-stripe-current-color', '#8c5e10'],
);

sub theme_css {
    my (%theme) = @_;
    my $vars = join("\n" . ' ' x 8, map { "--$_->[0]: " . ($theme{$_->[0]} // $_->[1]) . ';' } @theme_vars);
    return "<style>\n      :root {\n        $vars\n      }\n    </style>";
}

sub render_placeholders {
    my ($page, $config_json, %theme) = @_;
    my $script = qq{<script id="bb-config">\n    window.buildbotFrontendConfig = $config_json;\n</script>};
    $page =~ s/\Q <!-- BUILDBOT_CONFIG_PLACEHOLDER -->\E/$script/g;
    my $begin = index($page, '<!-- BUILDBOT_THEME_CSS_PLACEHOLDER_BEGIN -->');
    my $end = index($page, '<!-- BUILDBOT_THEME_CSS_PLACEHOLDER_END -->');
    return $page if $begin < 0 || $end < 0;
    return substr($page, 0, $begin) . theme_css(%theme)
         . substr($page, $end + length('<!-- BUILDBOT_THEME_CSS_PLACEHOLDER_END -->'));
}

# /config's body made safe for the page, as the page must carry it.
sub script_safe {
    my ($text) = @_;
    $text =~ s{</}{<\\/}g;
    $text =~ s{<!--}{\\u003c!--}g;
    return $text;
}

sub check_page_headers {
    my ($res, $name) = @_;
    is($res->code, 200, "$name: 200");
    is($res->header('Content-Type'), 'text/html', "$name: Content-Type text/html");
    is($res->header('Cache-Control'), 'private, no-cache', "$name: Cache-Control (the page names the user)");
    like($res->header('Vary') // '', qr/\bCookie\b/, "$name: Vary: Cookie");
}

my $schema = BBW::Oracle::value('SELECT version_num FROM alembic_version');

# ------------------------------------------------- the app, every key set
{
    my $res = get(bbw_ui_app => '/');
    check_page_headers($res, 'app /');
    my $html = $res->content;
    my $text = page_json($html);
    ok(defined $text, 'app /: the bb-config script is there');
    my $cfg = eval { $json->decode($text) };
    ok($cfg, 'app /: the injected config parses') or diag($@);
    my $evil = "</script><script>alert(1)</script><!--<script> \x{2028} end";
    is($cfg->{ui_default_config}{'Evil.value'}, $evil, 'the hostile ui_default_config value survives');
    is($cfg->{ui_default_config}{'Builders.buildFetchLimit'}, 500, 'a number setting');
    is($cfg->{title}, '</script><b>title', 'the hostile title survives');
    my ($script) = $html =~ m{<script id="bb-config">(.*?)</script>}s;
    unlike($script, qr{</script|<!--}i, 'the config script contains no </script nor <!--');
    like($script, qr{<\\/script>}, '</ is written <\/');
    like($script, qr{\\u2028}, 'U+2028 is escaped');
    unlike($html, qr{\x{e2}\x{80}\x{a8}}, 'no raw U+2028 in the page');
    is(scalar(() = $html =~ m{</script>}g), 2, 'only the two real </script> in the page');
    unlike($html, qr{alert\(1\)</script>}, 'the payload never closes a script');

    my $config = get(bbw_ui_app => '/config');
    is($config->code, 200, 'app /config: 200');
    is($text, script_safe($config->content), 'the page carries /config\'s JSON, made script-safe');
    is($html, render_placeholders(slurp("$fixtures/app/index.html"), $text,
                                  'bb-sidebar-background-color' => 'rgb(10, 20, 30)',
                                  'bb-sidebar-stripe-current-color' => 'red'),
       'app /: the whole page as Buildbot 4.x fills it, theme overrides and defaults');
    like($html, qr{\Q--bb-sidebar-background-color: rgb(10, 20, 30);\E\n {8}--bb-sidebar-header-background-color: #273759;},
         'theme block: override then default');

    my $body = $config->content;
    is_deeply(top_keys($body),
              [qw(port plugins auth authz avatar_methods logfileName json_cache_seconds
                  rest_minimum_version theme default_page ui_default_config debug
                  versions buildbotURL title titleURL multiMaster user)],
              '/config: UI keys in place');
    like($body, qr/"plugins": \{"waterfall_view": true, "console_view": \{"x": 1\}\}, "auth"/,
         'plugins from BuildbotPlugin, in order, JSON values');
    like($body, qr/"theme": \{"bb-sidebar-background-color": "rgb\(10, 20, 30\)", "bb-sidebar-stripe-current-color": "red"\}/,
         'theme echoed as set');
    like($body, qr/"default_page": "console", "ui_default_config": \{"Builders.buildFetchLimit": 500, /,
         'default_page and ui_default_config');
    like($body, qr/"debug": true, "versions"/, 'debug');
    my $v = $json->decode($body)->{versions};
    is_deeply([map { $_->[0] } @$v], ['Apache', 'mod_bbwww', 'Buildbot schema', 'Site config'],
              'versions: Apache, mod_bbwww, the schema, then BuildbotVersion');
    is($v->[2][1], $schema, 'the schema version is alembic_version\'s');
    is_deeply($v->[3], ['Site config', '1.2'], 'BuildbotVersion entry');

    $res = request(HEAD => '/', vhost => 'bbw_ui_app');
    is($res->code, 200, 'HEAD /: 200');
    is($res->content, '', 'HEAD /: no body');
    is($res->header('Content-Length'), length($html), 'HEAD /: Content-Length of the page');
    for my $method (qw(POST PUT DELETE OPTIONS)) {
        $res = request($method => '/', vhost => 'bbw_ui_app');
        is($res->code, 405, "$method /: 405");
        my %allow = map { $_ => 1 } split /\s*,\s*/, $res->header('Allow') // '';
        ok($allow{GET} && !$allow{POST}, "$method /: Allow GET") or diag($res->header('Allow'));
    }
    $res = request(POST => '/js/app.js', vhost => 'bbw_ui_app');
    is($res->code, 405, 'POST of a file: 405');

    $res = get(bbw_ui_app => '/index.html');
    check_page_headers($res, '/index.html');
    ok(defined page_json($res->content), '/index.html is rendered too');
    unlike($res->content, qr/BUILDBOT_CONFIG_PLACEHOLDER/, '/index.html: no raw placeholder');
    $res = get(bbw_ui_app => '/?x=1');
    ok(defined page_json($res->content), '/?query: the page');

    $res = get(bbw_ui_app => '/api/v2/masters');
    is($res->code, 200, 'the REST API still answers on a UI site');
}

# -------------------------------------------------------------- static files
{
    my %types = (
        'js/app.js'      => 'text/javascript; charset=utf-8',
        'js/lib.mjs'     => 'text/javascript; charset=utf-8',
        'js/app.js.map'  => 'application/json',
        'css/app.css'    => 'text/css; charset=utf-8',
        'img/icon.svg'   => 'image/svg+xml',
        'img/icon.png'   => 'image/png',
        'favicon.ico'    => 'image/x-icon',
        'fonts/x.woff'   => 'font/woff',
        'fonts/x.woff2'  => 'font/woff2',
        'data.json'      => 'application/json',
        'sub/page.html'  => 'text/html; charset=utf-8',
        'blob.bin'       => 'application/octet-stream',
    );
    for my $file (sort keys %types) {
        my $res = get(bbw_ui_app => "/$file");
        is($res->code, 200, "/$file: 200");
        is($res->header('Content-Type'), $types{$file}, "/$file: Content-Type");
        is($res->content, slurp("$fixtures/app/$file"), "/$file: the file's bytes");
        is($res->header('Cache-Control'), 'no-cache', "/$file: Cache-Control no-cache");
        like($res->header('ETag') // '', qr/^"[0-9a-f]+-[0-9a-f]+"$/, "/$file: ETag");
    }
    my $res = get(bbw_ui_app => '/js/app.js');
    my $etag = $res->header('ETag');
    my $size = -s "$fixtures/app/js/app.js";
    like($etag, qr/^"\Q@{[sprintf '%x', $size]}\E-/, 'ETag starts with the size');
    $res = get(bbw_ui_app => '/js/app.js', 'If-None-Match' => $etag);
    is($res->code, 304, 'If-None-Match: 304');
    is($res->content, '', '304: no body');
    is($res->header('ETag'), $etag, '304: the ETag again');
    $res = get(bbw_ui_app => '/js/app.js', 'If-None-Match' => qq{"other", W/$etag});
    is($res->code, 304, 'If-None-Match list with a weak match: 304');
    $res = get(bbw_ui_app => '/js/app.js', 'If-None-Match' => '"other"');
    is($res->code, 200, 'If-None-Match on another tag: 200');
    $res = get(bbw_ui_app => '/css/app.css', 'If-None-Match' => $etag);
    is($res->code, 200, 'another file\'s tag: 200');
    $res = request(HEAD => '/js/app.js', vhost => 'bbw_ui_app');
    is($res->code, 200, 'HEAD file: 200');
    is($res->content, '', 'HEAD file: no body');
    is($res->header('Content-Length'), $size, 'HEAD file: Content-Length');
    is($res->header('Content-Type'), 'text/javascript; charset=utf-8', 'HEAD file: Content-Type');

    for my $path ('/.htpasswd', '/sub/.private/config', '/sub/.private/', '/js/', '/js', '/sub',
                  '/js/../index.html', '/js/%2e%2e/index.html', '/./js/app.js',
                  '/js//app.js', '/js%2Fapp.js', '/nope.js', '/js/nope.js', '/js/app.js/x',
                  '/%2ehtpasswd', '/js/app.js%00') {
        $res = get(bbw_ui_app => $path);
        isnt($res->code, 200, "$path: refused");
        unlike($res->content, qr/secret|fixture = "app"|83_ui/, "$path: nothing leaks");
    }
    $res = get(bbw_ui_app => '/nope.js');
    is($res->code, 404, 'unknown file: 404');
    like($res->content, qr{<title>404 - No Such Resource</title>}, 'unknown file: Twisted\'s page');
    like($res->header('Content-Type'), qr{^text/html}, 'unknown file: HTML');
    $res = get(bbw_ui_app => '/js/app.js?v=3');
    is($res->code, 200, 'a query string is ignored for files');
}

# ------------------------------------------- defaults: theme, /config keys
{
    my $res = get(bbw_ui_plain => '/');
    check_page_headers($res, 'plain /');
    my $text = page_json($res->content);
    is($res->content, render_placeholders(slurp("$fixtures/app/index.html"), $text),
       'plain /: the default theme block');
    like($res->content, qr{\Q<style>\E\n {6}:root \{\n {8}--bb-sidebar-background-color: #30426a;\n},
         'plain /: style block layout');
    my $body = get(bbw_ui_plain => '/config')->content;
    is_deeply(top_keys($body),
              [qw(port plugins auth authz avatar_methods logfileName json_cache_seconds
                  rest_minimum_version versions buildbotURL title titleURL multiMaster user)],
              'plain /config: no UI keys unless set');
    like($body, qr/"plugins": \{\}/, 'plain /config: plugins {}');
    my $cfg = $json->decode($body);
    is(scalar @{ $cfg->{versions} }, 3, 'plain /config: three versions');
}

# ------------------------------------------------------------ BuildbotUI off
{
    my $res = get(bbw_ui_off => '/');
    is($res->code, 200, 'off /: 200');
    like($res->content, qr/served by mod_bbwww/, 'off /: the module\'s plain page');
    $res = get(bbw_ui_off => '/js/app.js');
    is($res->code, 404, 'off: no UI files');
}

# ----------------------------------------------------- official 3.x (Jinja)
SKIP: {
    my $res = get(bbw_ui_angular => '/');
    check_page_headers($res, '3.x /');
    my $html = $res->content;
    my $configjson = get(bbw_ui_angular => '/config')->content;
    like($html, qr{\Qangular.module("buildbot_config", []).constant("config", \E\Q$configjson\E\)</script></html>\z},
         '3.x: configjson at the end, no trailing newline (Jinja drops it)');
    like($html, qr{<script src="waterfall_view/scripts.js\?_1690000000000"></script><link href="waterfall_view/styles.css\?_1690000000000" rel="stylesheet"><script>angular.module\('app'\).requires.push\('waterfall_view'\)</script><script src="grid_view/scripts},
         '3.x: the plugin loop, whitespace after -%} stripped');
    like($html, qr{window\.T =  \{"b/views/deep\.html": "\\u003cspan\\u003edeep \\u00e9\\u2028\\u003c/span\\u003e", "console_view/views/console\.html": "\\u003cp\\u003ecv\\u003c/p\\u003e", "views/builds\.html": "\\u003cdiv class=\\"custom\\"\\u003ehi \\u0026amp; \\u003cb\\u003ebye\\u003c/b\\u003e \\u0027q\\u0027\\u003c/div\\u003e"\};},
         '3.x: custom templates mapped, stripped, sorted, tojson-escaped');
    unlike($html, qr/views\/ignored|notes/, '3.x: .jade and other files ignored');

    # The real thing: Buildbot 3.7's template code and Jinja on the same
    # template, custom templates directory and config.
    my $py = '/usr/bin/python3';
    skip 'no Python with buildbot and jinja2', 1
        unless -x $py && system($py, '-c', 'import jinja2, buildbot.www.config') == 0;
    my $dir = File::Temp::tempdir(CLEANUP => 1);
    open my $fh, '>:raw', "$dir/config.json" or die $!;
    print $fh $configjson;
    close $fh;
    my $script = <<'PY';
import sys, jinja2
from buildbot.www.config import IndexResource
static, templates, configfile = sys.argv[1:4]
custom = IndexResource.parseCustomTemplateDir(None, templates)
env = jinja2.Environment(loader=jinja2.FileSystemLoader(static), undefined=jinja2.StrictUndefined)
page = env.get_template('index.html').render(
    configjson=open(configfile).read(), custom_templates=custom,
    config={'plugins': {'waterfall_view': True, 'grid_view': {'a': [1, 2]}}})
sys.stdout.buffer.write(page.encode('ascii'))
PY
    open my $ph, '-|', $py, '-c', $script, "$fixtures/official3", "$fixtures/templates",
        "$dir/config.json" or die "python: $!";
    binmode $ph;
    my $expected = do { local $/; <$ph> };
    close $ph;
    is($html, $expected, '3.x: byte for byte what Buildbot 3.7 renders');
}
{
    my $res = get(bbw_ui_angular => '/scripts.js');
    is($res->code, 200, '3.x: scripts.js');
    is($res->header('Content-Type'), 'text/javascript; charset=utf-8', '3.x: scripts.js type');
    $res = get(bbw_ui_angular => '/img/icon.png');
    is($res->header('Content-Type'), 'image/png', '3.x: img/icon.png');
    $res = get(bbw_ui_angular => '/index.html');
    unlike($res->content, qr/\{\{|\{%/, '3.x: /index.html rendered, not the raw template');
}

# ------------------------------------------------- official 4.x (React)
{
    my $res = get(bbw_ui_react => '/');
    check_page_headers($res, '4.x /');
    my $text = page_json($res->content);
    is($text, get(bbw_ui_react => '/config')->content, '4.x: /config\'s JSON injected');
    is($res->content, render_placeholders(slurp("$fixtures/official4/index.html"), $text,
                                          'bb-sidebar-header-text-color' => '#abcdef'),
       '4.x: the page as Buildbot 4.3 fills it');
    $res = get(bbw_ui_react => '/assets/index.js');
    is($res->code, 200, '4.x: assets/index.js');
    is($res->content, slurp("$fixtures/official4/assets/index.js"), '4.x: asset bytes');
}

# ----------------------------------------------------------------- sub-path
{
    my $res = get(bbw_ui_sub => '/ci/');
    check_page_headers($res, 'sub /ci/');
    my $cfg = $json->decode(page_json($res->content));
    like($cfg->{buildbotURL}, qr{/ci/$}, 'sub: buildbotURL ends in /ci/');
    $res = get(bbw_ui_sub => '/ci/js/app.js');
    is($res->code, 200, 'sub: /ci/js/app.js');
    is($res->content, slurp("$fixtures/app/js/app.js"), 'sub: file bytes');
    $res = get(bbw_ui_sub => '/ci/index.html');
    ok(defined page_json($res->content), 'sub: /ci/index.html rendered');
    $res = get(bbw_ui_sub => '/js/app.js');
    isnt($res->code, 200, 'sub: nothing outside /ci/');
}

# ------------------------------------------------------------- the real app
SKIP: {
    my $htdocs = "$FindBin::Bin/../../htdocs";
    skip 'htdocs/index.html not written yet', 4 unless -f "$htdocs/index.html";
    my $res = get(bbw_ui_real => '/');
    check_page_headers($res, 'real /');
    my $cfg = eval { $json->decode(page_json($res->content) // '') };
    ok($cfg && $cfg->{user}{anonymous}, 'real /: config injected');
    skip 'htdocs/js/app.js not written yet', 2 unless -f "$htdocs/js/app.js";
    $res = get(bbw_ui_real => '/js/app.js');
    is($res->code, 200, 'real: js/app.js');
    is($res->header('Content-Type'), 'text/javascript; charset=utf-8', 'real: js/app.js type');
}

done_testing;

# `apachectl configtest` refuses malformed identity and authz directives and
# names the directive: each case runs `apache2 -t` on a tiny configuration
# that loads the module built for this run.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use File::Temp ();
use Apache::Test ();
use BBW::Configtest;

my ($rc, $out) = configtest("    BuildbotAllow AnyControlEndpoint admins\n    BuildbotRolesFromGroups\n");
is($rc, 0, 'a well-formed rule set passes') or diag($out);

my @bad = (
    ['BuildbotAllow NoSuchMatcher admins',                    'BuildbotAllow'],
    ['BuildbotAllow AnyEndpoint',                             'BuildbotAllow'],
    ['BuildbotAllow AnyEndpoint admins builder=x',            'BuildbotAllow'],
    ['BuildbotAllow EnableScheduler admins builder=x',        'BuildbotAllow'],
    ['BuildbotAllow StopBuild admins defaultDeny=maybe',      'BuildbotAllow'],
    ['BuildbotAllow StopBuild admins colour=red',             'BuildbotAllow'],
    ["BuildbotAuthzStrings regex\n    BuildbotAllow AnyEndpoint (admin", 'BuildbotAllow'],
    ['BuildbotAuthzStrings glob',                             'BuildbotAuthzStrings'],
    ["BuildbotAllow AnyEndpoint a\n    BuildbotAuthzStrings regex", 'BuildbotAuthzStrings'],
    ['BuildbotRolesFromEmails admins',                        'BuildbotRolesFromEmails'],
    ['BuildbotRolesFromOwner',                                'BuildbotRolesFromOwner'],
    ['BuildbotViewBuilders staff colour:red',                 'BuildbotViewBuilders'],
    ['BuildbotMaster ftp://127.0.0.1/',                       'BuildbotMaster'],
    ['BuildbotMaster http://127.0.0.1:8011/api',              'BuildbotMaster'],
    ['BuildbotCookieExpirationTime soon',                     'BuildbotCookieExpirationTime'],
    ['BuildbotCookieExpirationTime -5',                       'BuildbotCookieExpirationTime'],
    ['BuildbotRemoteUserHeader X-User "(?P<name>.*)"',        'BuildbotRemoteUserHeader'],
    ['BuildbotRemoteUserHeader X-User "(unclosed"',           'BuildbotRemoteUserHeader'],
    ['BuildbotRemoteUserHeader "X User"',                     'BuildbotRemoteUserHeader'],
    ['BuildbotUserInfoEnv anonymous REMOTE_USER',             'BuildbotUserInfoEnv'],
    ['BuildbotAuth "Not a name"',                             'BuildbotAuth'],
    ['BuildbotLDAPURI http://ldap.example.org',               'BuildbotLDAPURI'],
    ['BuildbotLDAPAccountPattern "(uid=%(user)s)"',           'BuildbotLDAPAccountPattern'],
    ['BuildbotAvatarMethods gravatar facebook',               'BuildbotAvatarMethods'],
    ['BuildbotAvatarGitHub token=t client_id=a client_secret=b', 'BuildbotAvatarGitHub'],
);
for my $case (@bad) {
    my ($line, $directive) = @$case;
    ($rc, $out) = configtest("    $line\n");
    (my $name = $line) =~ s/\n\s*/; /g;
    isnt($rc, 0, "configtest refuses: $name");
    like($out, qr/\Q$directive\E/, "  and names $directive") or diag($out);
}

done_testing;

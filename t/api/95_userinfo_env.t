# BuildbotUserInfoEnv: the user's details from variables other modules set
# while authenticating (here mod_authnz_ldap against the test slapd, and a
# comma-separated group list).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use BBW::Test;
use BBW::Session;

my $base = server_url('bbw_userenv');
my ($res, $token) = login($base, 'ada', 'ada-pass');
is($res->code, 302, 'ada logs in through mod_authnz_ldap');
my (undef, $payload) = jwt_parts($token // '');
is($payload =~ s/,"exp":\d+\}\z/}/r,
   '{"user_info":{"username":"ada","email":"ada@example.org","full_name":"Ada Admin","groups":["qa","release","ops"]}}',
   'user_info: username, then the mapped keys in directive order; groups split and trimmed; unset variables left out');
($res, $token) = login($base, 'bob', 'bob-pass');
is(jwt_payload($token // '')->{user_info}{email}, 'bob@example.org', 'bob\'s mail from LDAP');
($res) = login($base, 'bob', 'wrong');
is($res->code, 401, 'a wrong password is still Apache\'s 401');
done_testing;

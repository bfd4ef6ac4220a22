package BBW::Session;
# Helpers for the identity tests: Buildbot session tokens made and read in
# Perl (HS256 over base64url JSON, as PyJWT does), logins against a vhost,
# cookies out of Set-Cookie, and JSON-RPC calls.
use strict;
use warnings;

use Exporter 'import';
use Digest::SHA ();
use MIME::Base64 ();
use JSON::PP ();
use HTTP::Request ();
use Apache::TestRequest ();
use BBW::Test qw(server_url);
use BBW::Oracle qw(value);

our @EXPORT = qw(
    b64url b64url_decode jwt_make jwt_parts jwt_payload session_secret
    login cookie_token cookie_header set_cookies http rpc
);

my $json = JSON::PP->new->canonical(0)->allow_nonref;

sub b64url {
    my $s = MIME::Base64::encode_base64url(shift);
    $s =~ s/=+\z//;
    return $s;
}

sub b64url_decode { MIME::Base64::decode_base64url(shift) }

# jwt_make(KEY, CLAIMS_JSON_TEXT[, HEADER_JSON_TEXT]) -> token
sub jwt_make {
    my ($key, $claims, $header) = @_;
    $header //= '{"alg":"HS256","typ":"JWT"}';
    my $signing = b64url($header) . '.' . b64url($claims);
    return "$signing." . b64url(Digest::SHA::hmac_sha256($signing, $key));
}

# jwt_parts(TOKEN) -> (header text, payload text, signature bytes)
sub jwt_parts {
    my @p = split /\./, shift, -1;
    return (b64url_decode($p[0]), b64url_decode($p[1]), b64url_decode($p[2] // ''));
}

sub jwt_payload { my (undef, $payload) = jwt_parts(shift); $json->decode($payload) }

# The web session secret the master keeps in the database of this run.
sub session_secret {
    my $v = value(q{SELECT s.value_json FROM object_state s JOIN objects o ON o.id = s.objectid
                    WHERE o.name = 'www' AND o.class_name = 'buildbot.www.service.WWWService'
                    AND s.name = 'session_secret'});
    return defined $v ? $json->decode($v) : undef;
}

# http(METHOD, URL, headers => [...], content => ...) -> HTTP::Response;
# never follows redirects, keeps no cookies.
sub http {
    my ($method, $url, %opt) = @_;
    my $req = HTTP::Request->new($method => $url);
    my @h = @{ $opt{headers} || [] };
    while (my ($n, $v) = splice @h, 0, 2) { $req->header($n => $v) }
    $req->content($opt{content}) if defined $opt{content};
    my $ua = Apache::TestRequest::user_agent(reset => 1, requests_redirectable => 0,
                                             cookie_jar => undef);
    $ua->timeout(60);
    return $ua->request($req);
}

# set_cookies(RESPONSE) -> list of Set-Cookie header values
sub set_cookies { my $res = shift; return $res->header('Set-Cookie') ? ($res->header('Set-Cookie')) : () }

# cookie_token(RESPONSE[, NAME]) -> the token of the last Set-Cookie NAME
sub cookie_token {
    my ($res, $name) = @_;
    $name //= 'TWISTED_SESSION';
    my $token;
    for my $c ($res->headers->header('Set-Cookie')) {
        $token = $1 if $c =~ /^\Q$name\E=([^;]*)/;
    }
    return $token;
}

sub cookie_header { my ($token, $name) = @_; (Cookie => ($name // 'TWISTED_SESSION') . "=$token") }

# login(BASE_URL, USER, PASSWORD[, REDIRECT]) -> (response, token)
sub login {
    my ($base, $user, $password, $redirect) = @_;
    my $url = "$base/auth/login" . (defined $redirect ? "?redirect=$redirect" : '');
    my @auth = defined $user
        ? (Authorization => 'Basic ' . MIME::Base64::encode_base64("$user:$password", ''))
        : ();
    my $res = http(GET => $url, headers => \@auth);
    return ($res, cookie_token($res));
}

# rpc(BASE_URL, PATH, METHOD, PARAMS, token => T, id => ID) -> (response, decoded body)
sub rpc {
    my ($base, $path, $method, $params, %opt) = @_;
    my $body = $json->encode({ jsonrpc => '2.0', method => $method,
                               id => exists $opt{id} ? $opt{id} : 1, params => $params || {} });
    my $res = http(POST => "$base/api/v2/$path", content => $body,
                   headers => [ 'Content-Type' => 'application/json',
                                $opt{token} ? cookie_header($opt{token}) : () ]);
    my $data = eval { $json->decode($res->content) };
    return ($res, $data);
}

1;

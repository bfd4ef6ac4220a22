#!/bin/sh
# Installs the Debian packages mod_bbwww needs to build, test, demo and bench.
# Idempotent: only missing packages are installed; apt-get update runs only then.
set -eu
PKGS="apache2 apache2-dev apache2-utils libapr1-dev libaprutil1-dev \
 libaprutil1-dbd-sqlite3 libaprutil1-dbd-pgsql libjansson-dev libssl-dev libldap-dev \
 zlib1g-dev libbz2-dev liblz4-dev libapache2-mod-perl2 libwww-perl libjson-perl \
 libdbd-sqlite3-perl libdbd-pg-perl libxml-libxml-perl \
 buildbot buildbot-worker python3-psycopg2 python3-lz4 postgresql sqlite3 wrk curl \
 gcc make procps openssl libsqlite3-dev libpq-dev liblz4-dev \
 libpcre2-dev libcurl4-openssl-dev slapd ldap-utils libapache2-mod-auth-openidc \
 librsvg2-dev libcairo2-dev libfreetype-dev fonts-dejavu-core chromium nodejs"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# npm comes with NodeSource's nodejs; Debian's nodejs needs Debian's npm.
if dpkg-query -W -f='${Status}' nodejs 2>/dev/null | grep -q "install ok installed" &&
   ! command -v npm >/dev/null 2>&1; then
  missing="$missing npm"
fi
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "deps: missing packages:$missing (run as root: build/deps.sh)" >&2
  exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
echo "slapd slapd/no_configuration boolean true" | debconf-set-selections 2>/dev/null || true
apt-get install -y -q --no-install-recommends $missing
if ! command -v npm >/dev/null 2>&1; then
  apt-get install -y -q --no-install-recommends npm
fi

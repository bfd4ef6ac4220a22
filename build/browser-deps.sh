#!/bin/sh
# Installs the npm dev dependency of the browser tests (playwright-core, the
# exact version pinned in t/browser/package-lock.json) into
# t/browser/node_modules with `npm ci`, unless that version is already there.
# Idempotent; needs node and npm (build/deps.sh installs them with chromium)
# and reaches only the npm registry. Runs as whoever owns the tree: as the
# unprivileged test user, t/live/50_browser.t calls it before the tests. The
# npm cache lives in work/npm-cache of the tree, not in $HOME.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$top/t/browser

command -v node >/dev/null 2>&1 || { echo "browser-deps: node is not installed (run build/deps.sh as root)" >&2; exit 1; }
command -v npm >/dev/null 2>&1 || { echo "browser-deps: npm is not installed (run build/deps.sh as root)" >&2; exit 1; }

want=$(node -e '
  const lock = require(process.argv[1]);
  process.stdout.write(lock.packages["node_modules/playwright-core"].version);
' "$dir/package-lock.json") || { echo "browser-deps: cannot read $dir/package-lock.json" >&2; exit 1; }
have=$(node -e '
  try { process.stdout.write(require(process.argv[1]).version); } catch (e) {}
' "$dir/node_modules/playwright-core/package.json")
if [ "$want" = "$have" ]; then
  exit 0
fi
echo "browser-deps: npm ci in t/browser (playwright-core $want)"
mkdir -p "$top/work/npm-cache"
npm ci --prefix "$dir" --cache "$top/work/npm-cache" --no-audit --no-fund \
  --loglevel=error --fetch-retries=3 ||
  { echo "browser-deps: npm ci failed (the npm registry must be reachable)" >&2; exit 1; }
have=$(node -e 'process.stdout.write(require(process.argv[1]).version)' \
  "$dir/node_modules/playwright-core/package.json")
[ "$want" = "$have" ] || { echo "browser-deps: playwright-core $have installed, $want wanted" >&2; exit 1; }

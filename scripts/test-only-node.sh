#!/usr/bin/env bash
# Runs `npm ci && npm test` in a fresh clone with a PATH that holds node, npm and a few basic shell tools, and
# nothing else: no redis-cli, redis-server, tmux, python3, openssl, promtool, chromium. Shows that the quick tier
# passes on a machine with only Node, every test that needs another program reported as pending, naming it.
#
#   bash scripts/test-only-node.sh [REPO]        # REPO: what to clone (default: this checkout's committed HEAD)
set -euo pipefail
repo=${1:-$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin="$work/bin"
mkdir -p "$bin"
ln -s "$(command -v node)" "$bin/node"
# npm and npx are scripts that start with `#!/usr/bin/env node`: they find node through this PATH.
for tool in npm npx sh bash env cat ls mkdir rm cp mv sed grep dirname basename uname readlink head tail sort chmod ln \
  touch true false kill ps wc tr cut date sleep mktemp find xargs id; do
  p=$(command -v "$tool" || true)
  [ -n "$p" ] && ln -s "$p" "$bin/$tool"
done
git clone --quiet "$repo" "$work/repo"
cd "$work/repo"
hidden=""
for program in redis-cli redis-server redis-benchmark tmux python3 openssl promtool chromium prometheus-redis-exporter git; do
  if env PATH="$bin" sh -c "command -v $program" >/dev/null 2>&1; then hidden="$hidden $program"; fi
done
[ -z "$hidden" ] || { echo "not hidden from PATH:$hidden"; exit 1; }
echo "PATH holds only: $(ls "$bin" | tr '\n' ' ')"
env -i HOME="$HOME" PATH="$bin" TERM=dumb npm ci --no-audit --no-fund
env -i HOME="$HOME" PATH="$bin" TERM=dumb npm test

# Sourced by scripts/demo.sh and scripts/test.sh: makes sure this machine has what the
# repository needs (Node >= 22, the pinned pnpm, dependencies from the lockfile), installing
# whatever is missing into .tools/ so nothing outside the checkout changes.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
NODE_VERSION="24.21.0"
NODE_MIN_MAJOR=22
PNPM_VERSION="$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' "$ROOT/package.json")"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }
fail() { printf '\033[31m[setup] %s\033[0m\n' "$*" >&2; exit 1; }

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

ensure_node() {
  local arch
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) fail "unsupported CPU $(uname -m): install Node >= $NODE_MIN_MAJOR yourself" ;;
  esac
  local local_bin="$TOOLS/node/node_modules/node-linux-$arch/bin"
  if [ -x "$local_bin/node" ]; then
    export PATH="$local_bin:$PATH"
  elif command -v node >/dev/null && [ "$(node_major node)" -ge "$NODE_MIN_MAJOR" ]; then
    :
  else
    command -v npm >/dev/null || fail "npm is needed to fetch Node >= $NODE_MIN_MAJOR (apt-get install -y nodejs npm)"
    say "Node >= $NODE_MIN_MAJOR not found (have $(node -v 2>/dev/null || echo none)); installing Node $NODE_VERSION into .tools/node"
    npm install --silent --no-audit --no-fund --prefix "$TOOLS/node" "node-linux-$arch@$NODE_VERSION" >/dev/null
    export PATH="$local_bin:$PATH"
  fi
}

ensure_pnpm() {
  if [ -x "$TOOLS/pnpm/bin/pnpm" ] && [ "$("$TOOLS/pnpm/bin/pnpm" -v)" = "$PNPM_VERSION" ]; then
    export PATH="$TOOLS/pnpm/bin:$PATH"
  elif command -v pnpm >/dev/null && [ "$(pnpm -v 2>/dev/null)" = "$PNPM_VERSION" ]; then
    :
  else
    say "installing pnpm $PNPM_VERSION into .tools/pnpm"
    npm install --silent --no-audit --no-fund -g --prefix "$TOOLS/pnpm" "pnpm@$PNPM_VERSION" >/dev/null
    export PATH="$TOOLS/pnpm/bin:$PATH"
  fi
}

# Installs a Debian package when its command is missing. Tests that need a real
# redis-server or Chromium rely on this; without root we stop and say what to run.
APT_UPDATED=""
ensure_apt() {
  local command="$1" package="$2"
  command -v "$command" >/dev/null && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    fail "'$command' is missing: install it with 'sudo apt-get install -y $package'"
  fi
  if [ -z "$APT_UPDATED" ]; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    APT_UPDATED=1
  fi
  say "installing $package (apt)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
}

ensure_node
ensure_pnpm
export TURBO_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1 NPM_CONFIG_UPDATE_NOTIFIER=false
cd "$ROOT"
say "node $(node -v), pnpm $(pnpm -v)"
pnpm install --frozen-lockfile --reporter=silent

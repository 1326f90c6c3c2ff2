#!/usr/bin/env bash
# One entry point for a fresh Debian/Ubuntu machine that has only Node.js 20.19+ and root:
#   bash infra/bootstrap.sh demo   installs what is missing, starts the local mail stack, seeds the
#                                  demo mailbox, builds and serves the app (foreground)
#   bash infra/bootstrap.sh test   installs what is missing and runs the whole test suite
# Safe to re-run: every step checks first and only does what is missing.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
mode="${1:-}"
case "$mode" in
  demo | test) ;;
  *)
    echo "usage: bash infra/bootstrap.sh demo|test" >&2
    exit 2
    ;;
esac

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
  echo "This needs root: it installs Debian packages (Dovecot, Chromium) and starts Dovecot, which" >&2
  echo "drops privileges to its own users. Run: sudo bash infra/bootstrap.sh $mode" >&2
  exit 1
fi

if ! command -v node >/dev/null 2>&1; then
  echo "Node.js 20.19 or newer is required (https://nodejs.org or your distribution's nodejs package)." >&2
  exit 1
fi
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  echo "Node.js $(node -v) is too old; Westwind needs 20.19 or newer." >&2
  exit 1
fi

packages=(dovecot-imapd dovecot-lmtpd)
if [ "$mode" = test ]; then packages+=(chromium fonts-dejavu-core); fi
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  apt-get update -q
  # Debian's postinst would start a system-wide Dovecot on port 143; the stack runs its own.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

pnpm_version="$(node -p 'require("./package.json").packageManager.split("@")[1]')"
if [ "$(pnpm --version 2>/dev/null || true)" != "$pnpm_version" ]; then
  say "installing pnpm $pnpm_version"
  # corepack cannot fetch pnpm on every network; npm can.
  npm install --global --no-fund --no-audit "pnpm@$pnpm_version"
fi

say "installing dependencies"
pnpm install --frozen-lockfile

if [ "$mode" = demo ]; then
  say "starting the demo"
  exec pnpm demo
else
  say "running the test suite"
  exec pnpm test
fi

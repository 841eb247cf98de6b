#!/usr/bin/env bash
# What `npm test` needs from the machine, checked before every run (npm's pretest) and by .ci/run: the one list of
# it. Missing Debian packages are installed when run as root (apt-get update first, only then); as
# anyone else it stops at once with the command to run. Quick when everything is there: a few `command -v`.
#
#   postgresql       initdb/pg_ctl: PostgreSQL suites start their own server (test/support/postgres.ts)
#   rabbitmq-server  AMQP suites start their own broker (test/support/rabbitmq.ts)
#   openssl          TLS tests make their certificates (test/unit/facade/tls.test.ts)
#   graphviz         the CLI test renders `orchestrator plan show --format dot` with Graphviz's own dot
#   curl jq iproute2 procps util-linux tar gzip coreutils
#                    the Fabric network scripts (network/up.sh checks the same commands)
#   Node >= 20.19    the chaincode servers of the Fabric suites; and node_modules (npm ci when missing)
#   Go >= 1.21       builds the Fabric binaries once (network/lib/binaries.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

has() { command -v "$1"; }
has_postgres() { compgen -G '/usr/lib/postgresql/*/bin/initdb' && compgen -G '/usr/lib/postgresql/*/bin/pg_ctl'; }

# Sets `missing` to the Debian packages whose command (or file) is not there.
check_packages() {
  local -a found=()
  need() { # need PACKAGE TEST...: PACKAGE is missing unless the test succeeds
    local package=$1
    shift
    "$@" >/dev/null 2>&1 || found+=("$package")
  }
  need postgresql has_postgres
  need rabbitmq-server test -x /usr/lib/rabbitmq/bin/rabbitmq-server
  need openssl has openssl
  need curl has curl
  need jq has jq
  need iproute2 has ss
  need procps has pgrep
  need util-linux has flock
  need util-linux has setsid
  need tar has tar
  need gzip has gzip
  need coreutils has sha256sum
  need graphviz has dot
  # shellcheck disable=SC2207 # Debian package names have no spaces
  missing=($(printf '%s\n' "${found[@]}" | sort -u))
}

fail() {
  printf 'npm test: %s\n' "$1" >&2
  [[ $# -lt 2 ]] || printf '  %s\n' "$2" >&2
  exit 1
}

# The server runs on Node >= 20.9 (package.json engines), but the Fabric suites' chaincode servers require() the
# ES-module chaincode (network/lib/chaincodes.sh), which Node does without a flag from 20.19 on.
# `node -v` is v<major>.<minor>.<patch>.
IFS=. read -r node_major node_minor _ <<<"$(node -v | tr -d v)"
((node_major > 20 || (node_major == 20 && node_minor >= 19))) ||
  fail "Node $(node -v) is too old for the test suite: the Fabric chaincode servers need Node >= 20.19" \
    "install Node 20.19 or newer (https://nodejs.org/)"

# A fresh clone: the npm packages are part of the set-up too (as `npm ci` in .ci/run, which then finds them).
if [[ ! -d node_modules ]]; then
  echo "npm test: node_modules is missing: npm ci"
  npm ci --no-audit --no-fund
fi

# Go only builds the Fabric binaries, once: a machine that has them (network/.cache/bin) needs no Go.
if [[ ! -f network/.cache/bin/VERSION ]]; then
  has go >/dev/null ||
    fail "Go is not installed; the Fabric suites build Fabric's binaries with it once (network/.cache/bin)" \
      "install Go >= 1.21 from https://go.dev/dl/ (Debian bookworm's golang-go is 1.19, too old)"
  IFS=. read -r go_major go_minor _ <<<"$(go env GOVERSION | sed 's/^go//')"
  ((go_major > 1 || (go_major == 1 && go_minor >= 21))) ||
    fail "$(go env GOVERSION) is too old to build the Fabric binaries" "install Go >= 1.21 from https://go.dev/dl/"
fi

check_packages
((${#missing[@]} == 0)) && exit 0

install="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
has apt-get >/dev/null || fail "missing system packages (Debian names): ${missing[*]}" "install them with your package manager"
[[ $(id -u) -eq 0 ]] || fail "missing Debian packages: ${missing[*]}" "run as root: $install"

echo "npm test: installing missing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
check_packages
((${#missing[@]} == 0)) || fail "installed, but still missing: ${missing[*]}" "see apt-get's output above"

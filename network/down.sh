#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# npm run network:down [-- --clean] — stops every process the network started (by the pids recorded
# under network/.state/pids) and, in the hosts topology, removes its network namespaces, veth pairs and bridge.
# With --clean, also deletes network/.state (ledgers, crypto, logs); .state-hosts for the hosts topology.
# The Fabric binaries in network/.cache are kept either way.
set -euo pipefail

SCRIPT_NAME=down
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/netns.sh
source "$NETWORK_DIR/lib/netns.sh"

# Processes running our binaries or chaincode servers that no pid file knows about (a deleted
# state folder, a crash of these scripts): reported, not killed, since we cannot be sure whose they are.
report_strays() {
  local strays
  strays="$(pgrep -af "$BIN_DIR/(peer|orderer) |fabric-chaincode-node server .*--module-path ($NETWORK_DIR|$CC_STATE_DIR)" || true)"
  # the other topology's network (its own state directory) is not a stray
  local recorded
  recorded="$(cat "$NETWORK_DIR"/.state*/pids/*.pid 2>/dev/null | sed -n '/^[0-9][0-9]*$/p' | paste -sd '|')"
  if [[ -n "$strays" && -n "$recorded" ]]; then strays="$(grep -Ev "^($recorded) " <<<"$strays" || true)"; fi
  if [[ -n "$strays" ]]; then
    warn "processes not recorded under $PID_DIR are still running (stop them by pid if they are yours):"
    printf '    %s\n' "$strays" >&2
  fi
}

main() {
  local clean=0 arg
  for arg in "$@"; do
    case "$arg" in
      --clean) clean=1 ;;
      *) die "unknown argument '$arg'" "usage: npm run network:down [-- --clean]" ;;
    esac
  done
  if [[ ! -d "$STATE_DIR" ]]; then
    log "no network state in $STATE_DIR; nothing to stop"
    remove_netns
    report_strays
    return 0
  fi
  acquire_lock
  stop_all
  remove_netns
  if ((clean)); then
    rm -rf "$STATE_DIR"
    log "removed $STATE_DIR"
  fi
  report_strays
  log "network is down"
}

main "$@"

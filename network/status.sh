#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# npm run network:status — health of every node and chaincode server, ledger height of every
# channel on every member's peer, and the chaincodes committed per channel.
# Exit 0 only when everything is healthy and every available chaincode is deployed at its current
# version (test/support/fabric-network.ts runs up.sh otherwise).
set -euo pipefail

SCRIPT_NAME=status
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/nodes.sh
source "$NETWORK_DIR/lib/nodes.sh"
# shellcheck source=lib/chaincodes.sh
source "$NETWORK_DIR/lib/chaincodes.sh"
# shellcheck source=lib/netns.sh
source "$NETWORK_DIR/lib/netns.sh"

PROBLEMS=0

report() { printf '%-28s %s\n' "$1" "$2"; }
problem() {
  report "$1" "$2"
  PROBLEMS=$((PROBLEMS + 1))
}

report_nodes() {
  local node
  for node in "${NODES[@]}"; do
    if ! is_running "$node"; then
      problem "$node" "DOWN"
    elif node_healthy "$node"; then
      report "$node" "OK (pid $(read_pid "$node"), healthz :$(node_ops_port "$node"))"
    else
      problem "$node" "UNHEALTHY (pid $(read_pid "$node")): $(curl -s --max-time 2 "http://$(node_ops_address "$node")/healthz" || true)"
    fi
  done
}

# The deployed record holds the package id; the current one is derived from the files without
# touching the ledger (same deterministic package as deploy.sh would build).
report_chaincode_servers() {
  local name label pkgid org
  while read -r name; do
    label="${name}_$(cc_code_hash "$name")"
    pkgid="$(peer_offline lifecycle chaincode calculatepackageid "$(cc_package "$name" "$label")" 2>/dev/null || true)"
    if ! cc_is_current "$name" "$pkgid"; then
      problem "chaincode $name" "NOT DEPLOYED at its current version $label (npm run network:deploy)"
    else
      for org in "${ORGS[@]}"; do
        if ! is_running "$(cc_proc "$name" "$org")"; then
          problem "chaincode $name ($org)" "server DOWN (npm run network:up restarts it)"
        else
          report "chaincode $name ($org)" \
            "OK (pid $(read_pid "$(cc_proc "$name" "$org")"), $(node_ip "$org"):$(cc_port "$name" "$org") TLS, $pkgid)"
        fi
      done
    fi
  done < <(available_chaincodes)
}

report_channels() {
  local ch org heights committed
  for ch in "${CHANNELS[@]}"; do
    heights=""
    while read -r org; do
      heights+="${ORG_NODE[$org]}=$(channel_height "$org" "$ch" || echo '?') "
    done < <(channel_orgs "$ch")
    report "channel $ch" "height ${heights% }"
    committed="$(committed_chaincodes "$ch" || true)"
    report "" "committed: $(tr '\n' ';' <<<"${committed:-none}" | sed 's/;$//; s/;/; /g')"
  done
}

main() {
  if [[ ! -d "$STATE_DIR" ]]; then
    echo "network: not created (npm run network:up)"
    exit 1
  fi
  mkdir -p "$LOG_DIR" "$CC_STATE_DIR"
  if ! (check_state_topology) 2>/dev/null; then
    problem "topology" "STALE: $STATE_DIR was made for another topology ($(recorded_topology))"
    echo "network: NOT USABLE; npm run network:down -- --clean && npm run network:up recreates it"
    exit 1
  fi
  report "topology" "$TOPOLOGY"
  report_netns
  report_nodes
  if ((PROBLEMS == 0)); then
    report_chaincode_servers
    report_channels
  fi
  if ((PROBLEMS > 0)); then
    echo "network: NOT HEALTHY ($PROBLEMS problem(s)); npm run network:up repairs it"
    exit 1
  fi
  echo "network: healthy"
}

main "$@"

#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# npm run network:up — starts the native Fabric test network (no Docker), or repairs it, or just
# reports it when it already runs. Idempotent: every stage checks what exists before acting, so a
# killed peer/orderer/chaincode server is restarted on its existing ledger and nothing else moves.
# On failure, everything this network runs is stopped (ledgers are kept) and the cause is printed.
set -euo pipefail

SCRIPT_NAME=up
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/binaries.sh
source "$NETWORK_DIR/lib/binaries.sh"
# shellcheck source=lib/nodes.sh
source "$NETWORK_DIR/lib/nodes.sh"
# shellcheck source=lib/chaincodes.sh
source "$NETWORK_DIR/lib/chaincodes.sh"
# shellcheck source=lib/netns.sh
source "$NETWORK_DIR/lib/netns.sh"
# shellcheck source=lib/profile.sh
source "$NETWORK_DIR/lib/profile.sh"

NODE_STARTED=0
CC_STARTED=0
CC_DEPLOYED=0
UP_OK=0

on_exit() {
  local status=$?
  if ((status != 0 && UP_OK == 0)); then
    log "up failed (exit $status): stopping this network's processes so that none is left half-started"
    log "ledgers and crypto material are kept in $STATE_DIR (npm run network:down -- --clean removes them)"
    stop_all
  fi
}

preflight() {
  local tool
  for tool in curl jq ss flock setsid tar gzip sha256sum node; do
    command -v "$tool" >/dev/null 2>&1 ||
      die "'$tool' is not installed; the network scripts need it" "apt-get install -y curl jq iproute2 util-linux tar gzip coreutils (node: Node 20)"
  done
  [[ -x "$REPO_ROOT/node_modules/.bin/fabric-chaincode-node" ]] ||
    die "node_modules/.bin/fabric-chaincode-node is missing (it runs the chaincode servers)" "run npm ci in $REPO_ROOT"
}

# Every port of every node that is not running must be free, checked before anything starts.
check_ports() {
  local node ports
  for node in "${NODES[@]}"; do
    is_running "$node" && continue
    read -r -a ports <<<"$(node_ports "$node")"
    require_free_ports "$node" "${ports[@]}"
  done
}

# Peers start together (they do not need each other to boot), then all are awaited.
start_peers() {
  local org
  for org in "${ORGS[@]}"; do ensure_node "${ORG_NODE[$org]}"; done
  for org in "${ORGS[@]}"; do wait_healthy "${ORG_NODE[$org]}"; done
}

start_orderer_node() {
  ensure_node orderer
  wait_healthy orderer
}

first_file() {
  local f
  for f in "$1"/*; do [[ -f "$f" ]] && echo "$f" && return 0; done
  die "no file in $1" "remove $STATE_DIR (npm run network:down -- --clean) and run up again"
}

# "mychannel:MyOrg1MSP,MyOrg2MSP;yourchannel:..." (ORCHESTRATOR_FABRIC_CHANNEL_ORGS): one variable, since channel
# names may hold '.' and '-', which variable names cannot.
channel_orgs_value() {
  local ch entries=()
  for ch in "${CHANNELS[@]}"; do entries+=("$ch:$(channel_orgs "$ch" | paste -sd ,)"); done
  (IFS=';'; echo "${entries[*]}")
}

# The organizations that are members of every channel. They endorse every write at once: on mychannel they are
# all its members, on yourchannel two of three, which satisfies its MAJORITY policy too (checked here, so that a
# change of CHANNEL_ORGS cannot silently give the facade endorsers that are not enough).
endorsing_orgs() {
  local org ch count endorsers=()
  for org in "${ORGS[@]}"; do
    [[ "$(org_channels "$org" | wc -l)" == "${#CHANNELS[@]}" ]] && endorsers+=("$org")
  done
  for ch in "${CHANNELS[@]}"; do
    count="$(channel_orgs "$ch" | wc -l)"
    ((2 * ${#endorsers[@]} > count)) ||
      die "the organizations on every channel (${endorsers[*]}) are not a majority of $ch's members" \
        "change CHANNEL_ORGS in network/lib/common.sh, or write per-channel endorsers into facade.env"
  done
  (IFS=,; echo "${endorsers[*]}")
}

# The contract read by the facade (facade/fabricenv.ts) and by test/support/fabric-network.ts. Every value is
# quoted (env_line), so that an operator can also `set -a; . network/.state/facade.env` in a shell: unquoted, the ';'
# of the channel membership ended the assignment there.
write_facade_env() {
  local org cert key endorsers lines=()
  endorsers="$(endorsing_orgs)"
  for org in "${ORGS[@]}"; do
    # assigned first (not inside a command substitution) so that a missing file stops the script
    cert="$(first_file "$(user_msp "$org")/signcerts")"
    key="$(first_file "$(user_msp "$org")/keystore")"
    lines+=(
      "$(env_line "ORCHESTRATOR_FABRIC_${org}_PEER" "$(peer_address "$org")")"
      "$(env_line "ORCHESTRATOR_FABRIC_${org}_PEER_HOST" "$(peer_host "$org")")"
      "$(env_line "ORCHESTRATOR_FABRIC_${org}_TLS_CA" "$(peer_tls_ca "$org")")"
      "$(env_line "ORCHESTRATOR_FABRIC_${org}_CERT" "$cert")"
      "$(env_line "ORCHESTRATOR_FABRIC_${org}_KEY" "$key")"
    )
  done
  {
    echo "# Written by network/up.sh: how a facade reaches the test network. Do not edit."
    env_line ORCHESTRATOR_FABRIC_CHANNELS "$(IFS=,; echo "${CHANNELS[*]}")"
    env_line ORCHESTRATOR_FABRIC_CHAINCODE orchestrator
    env_line ORCHESTRATOR_FABRIC_ORGS "$(IFS=,; echo "${ORGS[*]}")"
    env_line ORCHESTRATOR_FABRIC_CHANNEL_ORGS "$(channel_orgs_value)"
    env_line ORCHESTRATOR_FABRIC_ENDORSING_ORGS "$endorsers"
    printf '%s\n' "${lines[@]}"
    env_line ORCHESTRATOR_FABRIC_NOOP_CHAINCODE noop
  } >"$FACADE_ENV.tmp"
  mv "$FACADE_ENV.tmp" "$FACADE_ENV"
}

# ', "netns": "<name>"' for a node of the hosts topology, nothing otherwise.
netns_json() {
  local ns
  ns="$(process_netns "$1")"
  if [[ -n "$ns" ]]; then printf ', "netns": "%s"' "$ns"; fi
}

# {"<chaincode>": "ip:port", ...}: ORG's chaincode servers (TLS), for the tests that check how they answer.
cc_servers_json() {
  local name args=()
  while read -r name; do args+=(--arg "$name" "$(node_ip "$1"):$(cc_port "$name" "$1")"); done < <(available_chaincodes)
  jq -cn "${args[@]}" '$ARGS.named'
}

# Machine-readable topology for tests and tools (facade.env is the facade's contract; this is not).
write_network_json() {
  local org ip
  {
    printf '{\n  "fabric": %s,\n  "topology": "%s",\n  "channels": %s,\n  "nodes": [\n' \
      "$(jq -Rn --arg v "$(cat "$VERSION_FILE")" '$v')" "$TOPOLOGY" "$(printf '%s\n' "${CHANNELS[@]}" | jq -Rsc 'split("\n")[:-1]')"
    ip="$(node_ip orderer)"
    printf '    {"name": "orderer", "mspId": "%s", "address": "%s:%s", "admin": "%s:%s", "operations": "%s:%s"%s}' \
      "$ORDERER_MSP" "$ip" "$ORDERER_PORT" "$ip" "$ORDERER_ADMIN_PORT" "$ip" "$ORDERER_OPS_PORT" "$(netns_json orderer)"
    for org in "${ORGS[@]}"; do
      ip="$(node_ip "$org")"
      printf ',\n    {"name": "%s", "mspId": "%s", "address": "%s:%s", "chaincodeListener": "%s:%s", "operations": "%s:%s", "channels": %s, "chaincodeServers": %s%s}' \
        "${ORG_NODE[$org]}" "$org" "$ip" "${PEER_PORT[$org]}" "$ip" "${PEER_CC_PORT[$org]}" "$ip" "${PEER_OPS_PORT[$org]}" \
        "$(org_channels "$org" | jq -Rsc 'split("\n")[:-1]')" "$(cc_servers_json "$org")" "$(netns_json "${ORG_NODE[$org]}")"
    done
    printf '\n  ]\n}\n'
  } >"$STATE_DIR/network.json.tmp"
  jq . "$STATE_DIR/network.json.tmp" >/dev/null || die "bug: network.json is not valid JSON"
  mv "$STATE_DIR/network.json.tmp" "$STATE_DIR/network.json"
}

deploy_all() {
  local name
  [[ -f "$ORCHESTRATOR_MAIN" ]] || log "orchestrator chaincode not built ($ORCHESTRATOR_MAIN missing): deploying noop only"
  while read -r name; do deploy_chaincode "$name"; done < <(available_chaincodes)
}

run_probe() {
  "$REPO_ROOT/node_modules/.bin/tsx" "$REPO_ROOT/facade/fabric/probe.ts" "$FACADE_ENV" noop 90 ||
    die "a Gateway could not collect endorsements from every organization of a channel" \
      "check gossip/discovery in $LOG_DIR/peer0.org*.log (anchor peers, external endpoints)"
}

print_summary() {
  local node org name ch
  for node in "${NODES[@]}"; do
    log "  $node: pid $(read_pid "$node"), ports $(node_ports "$node" | tr ' ' '/'), log $LOG_DIR/$node.log"
  done
  while read -r name; do
    for org in "${ORGS[@]}"; do
      log "  chaincode $name ($org): pid $(read_pid "$(cc_proc "$name" "$org")"), $(node_ip "$org"):$(cc_port "$name" "$org") (TLS), $(cut -d' ' -f1 "$(cc_deployed_file "$name")")"
    done
  done < <(available_chaincodes)
  for ch in "${CHANNELS[@]}"; do log "  channel $ch: $(channel_orgs "$ch" | paste -sd ' ')"; done
  log "  facade env: $FACADE_ENV"
  log "  connection profile: $CONNECTION_PROFILE"
  for org in "${ORGS[@]}"; do log "  $org gateway: $(peer_address "$org") ($(peer_host "$org"))"; done
  if [[ "$TOPOLOGY" == hosts ]]; then
    log "  topology hosts: bridge $NETNS_BRIDGE ($NETNS_BRIDGE_IP/24), namespaces $(netns_members | sed "s/^/$NETNS_PREFIX-/" | paste -sd ' ')"
  fi
}

write_state_files() {
  write_facade_env
  write_network_json
  write_connection_profile
}

main() {
  local t0
  t0="$(now)"
  acquire_lock
  trap on_exit EXIT
  preflight
  check_state_topology
  mkdir -p "$LOG_DIR" "$PID_DIR" "$DATA_DIR" "$CC_STATE_DIR"

  if [[ "$TOPOLOGY" == hosts ]]; then step "network namespaces ($NETNS_SUBNET.0/24)" ensure_netns; fi
  check_ports
  step "Fabric binaries" ensure_fabric_binaries
  step "config files" ensure_config
  step "crypto material" ensure_crypto
  step "channel genesis blocks" ensure_channel_blocks
  step "orderer" start_orderer_node
  step "peers" start_peers
  step "orderer joins channels" ensure_orderer_joined
  step "peers join channels" ensure_peers_joined
  step "facade.env + network.json + connection profile" write_state_files
  step "chaincodes" deploy_all
  if ((NODE_STARTED || CC_STARTED || CC_DEPLOYED)); then
    step "endorsement probe (every gateway, every channel)" run_probe
  fi
  UP_OK=1

  if ((NODE_STARTED || CC_STARTED || CC_DEPLOYED)); then
    log "network is up ($(elapsed_since "$t0")s)"
  else
    log "network was already running; nothing to do ($(elapsed_since "$t0")s)"
  fi
  print_summary
}

main "$@"

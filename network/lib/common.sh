# shellcheck shell=bash disable=SC2034 # the constants are used by the scripts that source this file
# Shared constants and helpers for the native (no Docker) Fabric test network.
# Sourced by up.sh, deploy.sh, down.sh and status.sh; defines functions only, runs nothing.

NETWORK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_ROOT="$(cd "$NETWORK_DIR/.." && pwd)"
CACHE_DIR="$NETWORK_DIR/.cache"
BIN_DIR="$CACHE_DIR/bin"
# --- Topology selection ---------------------------------------------------------------------------
# ORCHESTRATOR_NETWORK_TOPOLOGY=loopback (default): every process in the machine's own network namespace, on
# 127.0.0.1. =hosts: the orderer and each organization (its peer and its chaincode servers) in a Linux network
# namespace of their own, on a private bridge (lib/netns.sh), as if each ran on its own machine. Each topology keeps
# its own state directory, so one checkout can run both networks at once (their ports live in different namespaces).
TOPOLOGY="${ORCHESTRATOR_NETWORK_TOPOLOGY:-loopback}"
case "$TOPOLOGY" in
  loopback) STATE_DIR="$NETWORK_DIR/.state" ;;
  hosts) STATE_DIR="$NETWORK_DIR/.state-hosts" ;;
  *)
    echo "ORCHESTRATOR_NETWORK_TOPOLOGY must be 'loopback' (the default) or 'hosts', not '$TOPOLOGY'" >&2
    exit 1
    ;;
esac
CONFIG_DIR="$STATE_DIR/config"
CRYPTO_DIR="$STATE_DIR/crypto"
BLOCKS_DIR="$STATE_DIR/channels"
DATA_DIR="$STATE_DIR/data"
LOG_DIR="$STATE_DIR/logs"
PID_DIR="$STATE_DIR/pids"
CC_STATE_DIR="$STATE_DIR/chaincode"
FACADE_ENV="$STATE_DIR/facade.env"
TOPOLOGY_FILE="$STATE_DIR/topology"
LOCK_FILE="$STATE_DIR/network.lock"
CONNECTION_PROFILE="$STATE_DIR/connection-profile.json"

# --- Topology -------------------------------------------------------------------------------------
# Everything listens on 127.0.0.1 in the 17xxx range, away from the standalone orchestrator (9000,
# 8484) and from Fabric's default ports (7050/7051/9443...) that other tools may hold.
# ORCHESTRATOR_NETWORK_PORT_OFFSET (default 0) moves every port by the same amount, so that two checkouts
# of the repository (each with its own network/.state) can run their networks side by side.
PORT_OFFSET="${ORCHESTRATOR_NETWORK_PORT_OFFSET:-0}"
if ! [[ "$PORT_OFFSET" =~ ^[0-9]{1,5}$ ]] || ((PORT_OFFSET > 40000)); then
  echo "ORCHESTRATOR_NETWORK_PORT_OFFSET must be a whole number from 0 to 40000, not '$PORT_OFFSET'" >&2
  exit 1
fi

# The hosts topology's names and addresses, derived from the port offset so that two checkouts (or two engineers on
# one machine) never share one: namespaces orc<offset>-orderer / -org1..3, bridge orcbr<offset>, subnet
# 10.<99 + offset/256>.<offset % 256>.0/24 (the bridge .1, the orderer .10, organization N .10+N). Nothing outside
# the machine is ever addressed: the bridge has no uplink and the namespaces no default route.
NETNS_PREFIX="orc${PORT_OFFSET}"
NETNS_BRIDGE="orcbr${PORT_OFFSET}"
NETNS_SUBNET="10.$((99 + (PORT_OFFSET >> 8))).$((PORT_OFFSET & 255))"
NETNS_BRIDGE_IP="$NETNS_SUBNET.1"

CHANNELS=(mychannel yourchannel)
ORGS=(MyOrg1MSP MyOrg2MSP MyOrg3MSP)
ORDERER_MSP=OrdererMSP
ORDERER_HOST=orderer.example.com
ORDERER_PORT=$((17050 + PORT_OFFSET))
ORDERER_ADMIN_PORT=$((17051 + PORT_OFFSET))
ORDERER_OPS_PORT=$((17052 + PORT_OFFSET))

# Who is a member of which channel (space-separated, in ORGS order). MyOrg3MSP is on yourchannel only: the
# organization that the conformance suite's "restricted to one channel" scenarios speak as. Every loop over
# organizations × channels (joins, approvals, commits, probe, configtx profiles) goes through this map.
declare -A CHANNEL_ORGS=(
  [mychannel]="MyOrg1MSP MyOrg2MSP"
  [yourchannel]="MyOrg1MSP MyOrg2MSP MyOrg3MSP"
)

# Per-organization facts, indexed by MSP id.
declare -A ORG_DOMAIN=([MyOrg1MSP]=org1.example.com [MyOrg2MSP]=org2.example.com [MyOrg3MSP]=org3.example.com)
declare -A ORG_NODE=([MyOrg1MSP]=peer0.org1 [MyOrg2MSP]=peer0.org2 [MyOrg3MSP]=peer0.org3)
declare -A PEER_PORT=([MyOrg1MSP]=$((17151 + PORT_OFFSET)) [MyOrg2MSP]=$((17251 + PORT_OFFSET)) [MyOrg3MSP]=$((17351 + PORT_OFFSET)))
declare -A PEER_CC_PORT=([MyOrg1MSP]=$((17152 + PORT_OFFSET)) [MyOrg2MSP]=$((17252 + PORT_OFFSET)) [MyOrg3MSP]=$((17352 + PORT_OFFSET)))
declare -A PEER_OPS_PORT=([MyOrg1MSP]=$((17153 + PORT_OFFSET)) [MyOrg2MSP]=$((17253 + PORT_OFFSET)) [MyOrg3MSP]=$((17353 + PORT_OFFSET)))

NODES=(orderer peer0.org1 peer0.org2 peer0.org3)

# --- Addresses and namespaces -----------------------------------------------------------------------
# The network namespace of a process (node or chaincode server, by its pid-file name); empty in the loopback
# topology, where everything runs in the machine's own namespace.
process_netns() {
  [[ "$TOPOLOGY" == hosts ]] || return 0
  case "$1" in
    orderer) echo "$NETNS_PREFIX-orderer" ;;
    peer0.org*) echo "$NETNS_PREFIX-${1#peer0.}" ;;
    cc-*-org*) echo "$NETNS_PREFIX-${1##*-}" ;;
    *) die "bug: no network namespace for process '$1'" ;;
  esac
}

# The IP address the orderer (node_ip orderer) or an organization (node_ip MSPID: its peer and chaincode servers)
# listens on.
node_ip() {
  if [[ "$TOPOLOGY" == loopback ]]; then echo 127.0.0.1 && return 0; fi
  if [[ "$1" == orderer ]]; then echo "$NETNS_SUBNET.10" && return 0; fi
  echo "$NETNS_SUBNET.$((11 + $(org_index "$1")))"
}

# in_netns NS CMD...: runs CMD in network namespace NS (as it is when NS is empty).
in_netns() {
  local ns="$1"
  shift
  if [[ -n "$ns" ]]; then ip netns exec "$ns" "$@"; else "$@"; fi
}

# Position of an MSP id in ORGS (0 for the first).
org_index() {
  local i
  for i in "${!ORGS[@]}"; do [[ "${ORGS[$i]}" == "$1" ]] && echo "$i" && return 0; done
  die "unknown organization '$1'" "known: ${ORGS[*]}"
}

# The members of CHANNEL, one per line (in ORGS order).
channel_orgs() {
  local orgs
  read -r -a orgs <<<"${CHANNEL_ORGS[$1]:-}"
  ((${#orgs[@]} > 0)) || die "bug: channel '$1' has no member in CHANNEL_ORGS (network/lib/common.sh)"
  printf '%s\n' "${orgs[@]}"
}

# The channels ORG is a member of, one per line.
org_channels() {
  local ch
  for ch in "${CHANNELS[@]}"; do is_channel_member "$1" "$ch" && echo "$ch"; done
  return 0
}

is_channel_member() { [[ " ${CHANNEL_ORGS[$2]:-} " == *" $1 "* ]]; }

# The first member of CHANNEL: the organization whose admin queries the channel's lifecycle state.
channel_first_org() { channel_orgs "$1" | head -n1; }

# One line per channel: what the ledgers in .state were made for (see check_state_topology). The hosts topology adds
# its subnet: the addresses are in the certificates and the channels' genesis blocks.
topology_fingerprint() {
  local ch
  for ch in "${CHANNELS[@]}"; do printf '%s: %s\n' "$ch" "${CHANNEL_ORGS[$ch]}"; done
  if [[ "$TOPOLOGY" == hosts ]]; then printf 'hosts: %s.0/24\n' "$NETNS_SUBNET"; fi
}

# Crypto material and channel genesis blocks exist already: the ledgers were made for some topology.
state_has_ledgers() { [[ -d "$CRYPTO_DIR" || -d "$BLOCKS_DIR" ]]; }

# A network created for other organizations or channel memberships (e.g. before MyOrg3MSP existed) cannot be
# repaired by restarting processes: its crypto lacks an organization and its channels were created without it
# (adding one to a live channel takes a signed config update). Say so instead of failing somewhere confusing.
check_state_topology() {
  state_has_ledgers || return 0
  [[ "$(cat "$TOPOLOGY_FILE" 2>/dev/null)" == "$(topology_fingerprint)" ]] && return 0
  die "$STATE_DIR holds a network made for another topology ($(recorded_topology)); this checkout wants $(one_line < <(topology_fingerprint))" \
    "delete it and start again, which drops its ledgers: npm run network:down -- --clean && npm run network:up"
}

# Called once the crypto material and genesis blocks of a new network exist.
record_state_topology() { topology_fingerprint >"$TOPOLOGY_FILE"; }

recorded_topology() {
  if [[ -f "$TOPOLOGY_FILE" ]]; then
    echo "recorded: $(one_line <"$TOPOLOGY_FILE")"
  else
    echo "no record of its channel membership: made before MyOrg3MSP existed"
  fi
}

one_line() { paste -sd ';' - | sed 's/;/; /g'; }

# env_line NAME VALUE: one NAME='VALUE' line of a file that a POSIX shell can source (`set -a; . facade.env`) and
# the facade reads as data (facade/envfile.ts): single quotes keep ';', spaces and '$' literal, and a quote in
# VALUE becomes '\''.
env_line() { printf "%s='%s'\n" "$1" "${2//\'/\'\\\'\'}"; }

# --- Fabric version -------------------------------------------------------------------------------
# Wanted: v2.5.16 (commit f871cf92a026). `go install <pkg>@<commit>` would resolve it to the
# pseudo-version below. FABRIC_FALLBACK_VERSION is only used when the Go module proxy refuses the
# pinned one (see network/README.md, "Fabric version").
FABRIC_PINNED_COMMIT=f871cf92a026aba7b12e6f06d71ded3e6e659d71
FABRIC_PINNED_VERSION=v1.4.0-rc1.0.20260617221605-f871cf92a026
FABRIC_PINNED_LABEL=2.5.16
FABRIC_FALLBACK_VERSION=v1.4.0-rc1.0.20230405174026-695dd57e01c2
FABRIC_FALLBACK_LABEL=3.0.0-dev-695dd57e01c2
FABRIC_TOOLS=(peer orderer configtxgen cryptogen osnadmin)

# --- Logging --------------------------------------------------------------------------------------
SCRIPT_NAME="${SCRIPT_NAME:-network}"

log() { printf '[%s] %s\n' "$SCRIPT_NAME" "$*" >&2; }
warn() { printf '[%s] WARNING: %s\n' "$SCRIPT_NAME" "$*" >&2; }

# die CAUSE [HINT]: the one way scripts fail, so every failure names its cause and what to do.
die() {
  printf '[%s] ERROR: %s\n' "$SCRIPT_NAME" "$1" >&2
  if [[ -n "${2:-}" ]]; then printf '[%s]   what to do: %s\n' "$SCRIPT_NAME" "$2" >&2; fi
  exit 1
}

now() { printf '%s' "${EPOCHREALTIME/,/.}"; }
elapsed_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# step NAME FUNCTION [ARGS...]: runs one stage and prints how long it took, so slow stages show.
step() {
  local name="$1" t0
  shift
  t0="$(now)"
  log "▶ $name"
  "$@"
  log "✔ $name ($(elapsed_since "$t0")s)"
}

# retry TIMES DELAY_S CMD...: for calls that race with Raft leader election or gossip start-up.
retry() {
  local times="$1" delay="$2" i
  shift 2
  for ((i = 1; i <= times; i++)); do
    if "$@"; then return 0; fi
    ((i < times)) && sleep "$delay"
  done
  return 1
}

# --- Locking --------------------------------------------------------------------------------------
# Test files run in parallel workers and may all call up.sh; one lock serializes up/deploy/down.
# NETWORK_LOCK_HELD is exported so that up.sh -> deploy.sh does not deadlock on its own lock.
acquire_lock() {
  [[ "${NETWORK_LOCK_HELD:-}" == 1 ]] && return 0
  mkdir -p "$STATE_DIR"
  exec {LOCK_FD}>"$LOCK_FILE"
  if ! flock -n "$LOCK_FD"; then
    log "another network script holds $LOCK_FILE; waiting for it"
    flock "$LOCK_FD"
  fi
  export NETWORK_LOCK_HELD=1
}

# --- Processes ------------------------------------------------------------------------------------
pid_file() { printf '%s/%s.pid' "$PID_DIR" "$1"; }

# The marker is a string of the process's command line recorded at start. It guards against a pid
# that died and was reused by an unrelated process.
read_pid() {
  local f
  f="$(pid_file "$1")"
  [[ -f "$f" ]] || return 1
  head -n1 "$f"
}

is_running() {
  local name="$1" pid marker
  pid="$(read_pid "$name")" || return 1
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
  marker="$(sed -n 2p "$(pid_file "$name")")"
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$marker"
}

# start_process NAME MARKER CMD...: detached (own session) so that Ctrl-C on `npm run` or the end of
# a test worker does not take the network down; stdout/stderr go to logs/NAME.log. In the hosts topology the
# process runs in its namespace (`ip netns exec` execs the command, so the recorded pid is still the process's).
start_process() {
  local name="$1" marker="$2" pid ns
  shift 2
  ns="$(process_netns "$name")"
  if [[ -n "$ns" ]]; then set -- ip netns exec "$ns" "$@"; fi
  mkdir -p "$PID_DIR" "$LOG_DIR"
  printf '\n===== %s starting %s\n' "$(date -Is)" "$name" >>"$LOG_DIR/$name.log"
  (
    # the lock fd must not outlive this script, or the long-lived process would hold the lock
    if [[ -n "${LOCK_FD:-}" ]]; then exec {LOCK_FD}>&-; fi
    exec setsid "$@" >>"$LOG_DIR/$name.log" 2>&1 </dev/null
  ) &
  pid=$!
  printf '%s\n%s\n' "$pid" "$marker" >"$(pid_file "$name")"
}

# stop_processes NAME...: TERM to all at once (a peer takes seconds to shut down cleanly; one after
# the other adds up), KILL whatever is still alive after 15 s; forgets the pids either way.
stop_processes() {
  local name i alive
  local -A pids=()
  for name in "$@"; do
    if is_running "$name"; then
      pids[$name]="$(read_pid "$name")"
      kill -TERM "${pids[$name]}" 2>/dev/null || true
    fi
  done
  for ((i = 0; i < 150; i++)); do
    alive=0
    for name in "${!pids[@]}"; do kill -0 "${pids[$name]}" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for name in "$@"; do
    if [[ -n "${pids[$name]:-}" ]]; then
      if kill -0 "${pids[$name]}" 2>/dev/null; then
        warn "$name (pid ${pids[$name]}) ignored SIGTERM for 15s; sending SIGKILL"
        kill -KILL "${pids[$name]}" 2>/dev/null || true
      fi
      log "stopped $name (pid ${pids[$name]})"
    fi
    rm -f "$(pid_file "$name")"
  done
}

stop_process() { stop_processes "$1"; }

# All recorded processes: chaincode servers and nodes.
recorded_processes() {
  local f i names=()
  shopt -s nullglob
  for f in "$PID_DIR"/cc-*.pid; do names+=("$(basename "$f" .pid)"); done
  shopt -u nullglob
  for ((i = ${#ORGS[@]} - 1; i >= 0; i--)); do names+=("${ORG_NODE[${ORGS[$i]}]}"); done
  names+=(orderer)
  printf '%s\n' "${names[@]}"
}

stop_all() {
  local names
  mapfile -t names < <(recorded_processes)
  stop_processes "${names[@]}"
}

log_tail() {
  if [[ -f "$LOG_DIR/$1.log" ]]; then tail -n "${2:-15}" "$LOG_DIR/$1.log" | sed 's/^/    | /' >&2; fi
}

# --- Ports ----------------------------------------------------------------------------------------
# PORT [NETNS]: a port of the machine's namespace, or of NETNS (the hosts topology's namespaces).
port_holder() { in_netns "${2:-}" ss -Hltnp "( sport = :$1 )" 2>/dev/null | head -n1; }
port_in_use() { [[ -n "$(in_netns "${2:-}" ss -Hltn "( sport = :$1 )" 2>/dev/null)" ]]; }

# require_free_ports PROCESS PORT...: in the namespace PROCESS runs in.
require_free_ports() {
  local owner="$1" port ns
  ns="$(process_netns "$1")"
  shift
  for port in "$@"; do
    if port_in_use "$port" "$ns"; then
      die "port $port${ns:+ in network namespace $ns}, needed by $owner, is already in use: $(port_holder "$port" "$ns")" \
        "stop that process (or an old network: npm run network:down), then run npm run network:up again"
    fi
  done
}

# --- Health ---------------------------------------------------------------------------------------
node_ops_port() {
  local org
  if [[ "$1" == orderer ]]; then echo "$ORDERER_OPS_PORT" && return 0; fi
  org="$(org_of_node "$1")" || return 1
  echo "${PEER_OPS_PORT[$org]}"
}

# host:port of NODE's operations server (/healthz, /metrics).
node_ops_address() {
  local org=orderer
  [[ "$1" == orderer ]] || org="$(org_of_node "$1")" || return 1
  echo "$(node_ip "$org"):$(node_ops_port "$1")"
}

node_healthy() {
  local body
  body="$(curl -sf --max-time 2 "http://$(node_ops_address "$1")/healthz" 2>/dev/null)" || return 1
  [[ "$(jq -r .status <<<"$body" 2>/dev/null)" == OK ]]
}

# wait_healthy NODE [TIMEOUT_S]: fails fast when the process dies instead of waiting out the timeout.
wait_healthy() {
  local node="$1" timeout="${2:-90}" t0
  t0=$SECONDS
  until node_healthy "$node"; do
    if ! is_running "$node"; then
      log_tail "$node" 25
      die "$node exited during start-up (log: $LOG_DIR/$node.log)" "read the log above; fix the cause and run npm run network:up"
    fi
    if ((SECONDS - t0 > timeout)); then
      log_tail "$node" 25
      die "$node did not report /healthz OK within ${timeout}s (log: $LOG_DIR/$node.log)" "read the log above"
    fi
    sleep 0.3
  done
}

network_nodes_healthy() {
  local node
  for node in "${NODES[@]}"; do
    is_running "$node" && node_healthy "$node" || return 1
  done
}

# --- Crypto paths ---------------------------------------------------------------------------------
orderer_org_dir() { printf '%s/ordererOrganizations/example.com' "$CRYPTO_DIR"; }
orderer_tls_ca() { printf '%s/orderers/%s/tls/ca.crt' "$(orderer_org_dir)" "$ORDERER_HOST"; }
peer_org_dir() { printf '%s/peerOrganizations/%s' "$CRYPTO_DIR" "${ORG_DOMAIN[$1]}"; }
peer_host() { printf 'peer0.%s' "${ORG_DOMAIN[$1]}"; }
peer_dir() { printf '%s/peers/%s' "$(peer_org_dir "$1")" "$(peer_host "$1")"; }
peer_tls_ca() { printf '%s/tls/ca.crt' "$(peer_dir "$1")"; }
admin_msp() { printf '%s/users/Admin@%s/msp' "$(peer_org_dir "$1")" "${ORG_DOMAIN[$1]}"; }
user_msp() { printf '%s/users/User1@%s/msp' "$(peer_org_dir "$1")" "${ORG_DOMAIN[$1]}"; }

# ip:port of ORG's peer (its gateway).
peer_address() { echo "$(node_ip "$1"):${PEER_PORT[$1]}"; }

# The chaincode servers' TLS key pair: cryptogen's "chaincode" node of the organization (network/config).
cc_tls_dir() { printf '%s/peers/chaincode.%s/tls' "$(peer_org_dir "$1")" "${ORG_DOMAIN[$1]}"; }

org_of_node() {
  local org
  for org in "${ORGS[@]}"; do [[ "${ORG_NODE[$org]}" == "$1" ]] && echo "$org" && return 0; done
  return 1
}

# --- Fabric CLIs ----------------------------------------------------------------------------------
# as_admin ORG CMD...: runs a peer CLI command as ORG's admin against ORG's peer. Peers are dialled by
# IP (their TLS certs carry 127.0.0.1): a server-name override would also apply to the other org's
# peer in `commit --peerAddresses` and break its TLS check. Every CORE_* the CLI reads is set here.
as_admin() {
  local org="$1"
  shift
  env FABRIC_CFG_PATH="$CONFIG_DIR" \
    FABRIC_LOGGING_SPEC=WARNING \
    CORE_PEER_TLS_ENABLED=true \
    CORE_PEER_TLS_ROOTCERT_FILE="$(peer_tls_ca "$org")" \
    CORE_PEER_ADDRESS="$(peer_address "$org")" \
    CORE_PEER_LOCALMSPID="$org" \
    CORE_PEER_MSPCONFIGPATH="$(admin_msp "$org")" \
    "$@"
}

# Flags for commands that talk to the orderer (approve, commit).
orderer_flags() {
  printf '%s\n' -o "$(node_ip orderer):$ORDERER_PORT" --ordererTLSHostnameOverride "$ORDERER_HOST" --tls --cafile "$(orderer_tls_ca)"
}

fabric_bin() { printf '%s/%s' "$BIN_DIR" "$1"; }

# The peer CLI for commands that talk to no node (it still insists on reading core.yaml).
peer_offline() { FABRIC_CFG_PATH="$CONFIG_DIR" FABRIC_LOGGING_SPEC=WARNING "$(fabric_bin peer)" "$@"; }

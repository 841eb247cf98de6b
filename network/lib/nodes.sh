# shellcheck shell=bash disable=SC2034 # NODE_STARTED is read by up.sh
# Network artefacts (config, crypto, channel blocks), node processes and channel membership.
# Sourced after common.sh and binaries.sh.

# --- Config files ---------------------------------------------------------------------------------
# core.yaml is Fabric's sample with two edits that environment variables cannot make:
#  - vm.endpoint emptied: the peer then never talks to Docker and /healthz has no docker check
#    (an empty CORE_VM_ENDPOINT is ignored by Fabric's config loader);
#  - the external builder path points at our ccaas builder.
# Everything else that differs per node is set through CORE_* / ORDERER_* variables at start.
render_core_yaml() {
  local src="$SAMPLECONFIG_DIR/core.yaml" dst="$CONFIG_DIR/core.yaml"
  sed -e 's#^\(\s*endpoint:\s*\)unix:///var/run/docker.sock\s*$#\1""#' \
    -e "s#^\(\s*\)- name: ccaas_builder\s*\$#\1- name: ccaas#" \
    -e "s#^\(\s*\)path: /opt/hyperledger/ccaas_builder\s*\$#\1path: $NETWORK_DIR/builders/ccaas#" \
    "$src" >"$dst"
  if ! grep -q '^\s*endpoint: ""' "$dst" || ! grep -q "path: $NETWORK_DIR/builders/ccaas" "$dst"; then
    die "could not patch $src (vm.endpoint / externalBuilders lines not found)" \
      "Fabric's sample core.yaml changed; update render_core_yaml in network/lib/nodes.sh"
  fi
}

# The template holds the organizations and defaults; one profile per channel, named after it, is appended from
# CHANNEL_ORGS so that the channel membership is written down once (network/lib/common.sh).
render_configtx_yaml() {
  local org subst=() dst="$CONFIG_DIR/configtx.yaml"
  for org in "${ORGS[@]}"; do subst+=(-e "s#@${org}_PORT@#${PEER_PORT[$org]}#g" -e "s#@${org}_IP@#$(node_ip "$org")#g"); done
  {
    sed -e "s#@CRYPTO@#$CRYPTO_DIR#g" -e "s#@ORDERER_PORT@#$ORDERER_PORT#g" -e "s#@ORDERER_IP@#$(node_ip orderer)#g" "${subst[@]}" \
      "$NETWORK_DIR/config/configtx.yaml.tmpl"
    channel_profiles
  } >"$dst"
  if grep -q '@[A-Za-z0-9_]*@' "$dst"; then
    die "unfilled placeholders in $dst: $(grep -o '@[A-Za-z0-9_]*@' "$dst" | sort -u | paste -sd ' ')" \
      "every organization of ORGS needs its &<MSP id> entry in network/config/configtx.yaml.tmpl"
  fi
}

channel_profiles() {
  local ch org
  for ch in "${CHANNELS[@]}"; do
    printf '  %s:\n    <<: *ChannelDefaults\n    Orderer:\n      <<: *OrdererDefaults\n' "$ch"
    printf '      Organizations:\n        - *OrdererOrg\n      Capabilities: *OrdererCapabilities\n'
    printf '    Application:\n      <<: *ApplicationDefaults\n      Organizations:\n'
    while read -r org; do printf '        - *%s\n' "$org"; done < <(channel_orgs "$ch")
    printf '      Capabilities: *ApplicationCapabilities\n'
  done
}

# Rendered on every `up` (cheap) so a moved checkout or an edited template takes effect.
ensure_config() {
  mkdir -p "$CONFIG_DIR"
  chmod +x "$NETWORK_DIR"/builders/ccaas/bin/* # in case a checkout lost the executable bits
  render_core_yaml
  cp "$SAMPLECONFIG_DIR/orderer.yaml" "$CONFIG_DIR/orderer.yaml"
  render_configtx_yaml
  render_crypto_config
}

# cryptogen input: the SANs of every TLS certificate carry the address the node is dialled at (127.0.0.1, or its
# namespace's address in the hosts topology).
render_crypto_config() {
  local org subst=() dst="$CONFIG_DIR/crypto-config.yaml"
  for org in "${ORGS[@]}"; do subst+=(-e "s#@${org}_IP@#$(node_ip "$org")#g"); done
  sed -e "s#@ORDERER_IP@#$(node_ip orderer)#g" "${subst[@]}" "$NETWORK_DIR/config/crypto-config.yaml.tmpl" >"$dst"
  if grep -q '@[A-Za-z0-9_]*@' "$dst"; then
    die "unfilled placeholders in $dst: $(grep -o '@[A-Za-z0-9_]*@' "$dst" | sort -u | paste -sd ' ')" \
      "every organization of ORGS needs its entry in network/config/crypto-config.yaml.tmpl"
  fi
}

# --- Crypto material and channel genesis blocks (made once, kept with the ledgers) ----------------
ensure_crypto() {
  if [[ -d "$CRYPTO_DIR/peerOrganizations" ]]; then
    log "reusing crypto material in $CRYPTO_DIR"
    return 0
  fi
  local tmp="$STATE_DIR/crypto.tmp"
  rm -rf "$tmp"
  "$(fabric_bin cryptogen)" generate --config="$CONFIG_DIR/crypto-config.yaml" --output="$tmp" >/dev/null ||
    die "cryptogen failed" "check $CONFIG_DIR/crypto-config.yaml"
  # recorded first: a state with crypto material but no record is one made before the record existed
  record_state_topology
  mv "$tmp" "$CRYPTO_DIR"
}

ensure_channel_blocks() {
  local ch
  mkdir -p "$BLOCKS_DIR"
  for ch in "${CHANNELS[@]}"; do
    [[ -f "$BLOCKS_DIR/$ch.block" ]] && continue
    FABRIC_LOGGING_SPEC=WARNING "$(fabric_bin configtxgen)" -configPath "$CONFIG_DIR" \
      -profile "$ch" -channelID "$ch" -outputBlock "$BLOCKS_DIR/$ch.block.tmp" ||
      die "configtxgen could not create the genesis block of $ch" "check $CONFIG_DIR/configtx.yaml"
    mv "$BLOCKS_DIR/$ch.block.tmp" "$BLOCKS_DIR/$ch.block"
  done
}

# --- Node processes -------------------------------------------------------------------------------
# Per-call gRPC logs ("unary/streaming call completed") would be most of a benchmark's logs; errors
# and everything else stay at INFO. Override with PEER_LOGGING_SPEC / ORDERER_LOGGING_SPEC.
DEFAULT_FABRIC_LOGGING_SPEC="info:comm.grpc.server=warning"

start_orderer() {
  local dir ip
  dir="$(orderer_org_dir)/orderers/$ORDERER_HOST"
  ip="$(node_ip orderer)"
  mkdir -p "$DATA_DIR/orderer"
  start_process orderer "$BIN_DIR/orderer" env \
    FABRIC_CFG_PATH="$CONFIG_DIR" \
    FABRIC_LOGGING_SPEC="${ORDERER_LOGGING_SPEC:-$DEFAULT_FABRIC_LOGGING_SPEC}" \
    ORDERER_GENERAL_LISTENADDRESS="$ip" \
    ORDERER_GENERAL_LISTENPORT="$ORDERER_PORT" \
    ORDERER_GENERAL_LOCALMSPID="$ORDERER_MSP" \
    ORDERER_GENERAL_LOCALMSPDIR="$dir/msp" \
    ORDERER_GENERAL_TLS_ENABLED=true \
    ORDERER_GENERAL_TLS_PRIVATEKEY="$dir/tls/server.key" \
    ORDERER_GENERAL_TLS_CERTIFICATE="$dir/tls/server.crt" \
    ORDERER_GENERAL_TLS_ROOTCAS="[$dir/tls/ca.crt]" \
    ORDERER_GENERAL_BOOTSTRAPMETHOD=none \
    ORDERER_CHANNELPARTICIPATION_ENABLED=true \
    ORDERER_FILELEDGER_LOCATION="$DATA_DIR/orderer" \
    ORDERER_CONSENSUS_WALDIR="$DATA_DIR/orderer/etcdraft/wal" \
    ORDERER_CONSENSUS_SNAPDIR="$DATA_DIR/orderer/etcdraft/snapshot" \
    ORDERER_ADMIN_LISTENADDRESS="$ip:$ORDERER_ADMIN_PORT" \
    ORDERER_OPERATIONS_LISTENADDRESS="$ip:$ORDERER_OPS_PORT" \
    ORDERER_METRICS_PROVIDER=prometheus \
    "$BIN_DIR/orderer"
}

# One peer per org, so the gossip bootstrap peer is the peer itself (as Fabric's test-network does);
# the external endpoint is what makes it visible to the other orgs, and anchor peers (in the channel
# config) are how each org finds the others of a channel.
# A peer that joins a channel first dials the anchor peers of members that have not joined it yet; they
# cannot tell who it is and refuse it. Fabric retries after reconnectInterval (25 s by default), which
# with three organizations often delayed the first cross-organization endorsement by ~20 s. On loopback
# a retry every 2 s costs nothing (and a peer restarted by `up` is found again as fast).
GOSSIP_RECONNECT_INTERVAL=2s
start_peer() {
  local org="$1" node="${ORG_NODE[$1]}" dir addr ip
  dir="$(peer_dir "$org")"
  ip="$(node_ip "$org")"
  addr="$(peer_address "$org")"
  mkdir -p "$DATA_DIR/$node"
  start_process "$node" "$BIN_DIR/peer" env \
    FABRIC_CFG_PATH="$CONFIG_DIR" \
    FABRIC_LOGGING_SPEC="${PEER_LOGGING_SPEC:-$DEFAULT_FABRIC_LOGGING_SPEC}" \
    CORE_PEER_ID="$(peer_host "$org")" \
    CORE_PEER_ADDRESS="$addr" \
    CORE_PEER_LISTENADDRESS="$addr" \
    CORE_PEER_CHAINCODEADDRESS="$ip:${PEER_CC_PORT[$org]}" \
    CORE_PEER_CHAINCODELISTENADDRESS="$ip:${PEER_CC_PORT[$org]}" \
    CORE_PEER_GOSSIP_BOOTSTRAP="$addr" \
    CORE_PEER_GOSSIP_EXTERNALENDPOINT="$addr" \
    CORE_PEER_GOSSIP_RECONNECTINTERVAL="$GOSSIP_RECONNECT_INTERVAL" \
    CORE_PEER_LOCALMSPID="$org" \
    CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG="$(cc_builder_config "$org")" \
    CORE_PEER_MSPCONFIGPATH="$dir/msp" \
    CORE_PEER_TLS_ENABLED=true \
    CORE_PEER_TLS_CERT_FILE="$dir/tls/server.crt" \
    CORE_PEER_TLS_KEY_FILE="$dir/tls/server.key" \
    CORE_PEER_TLS_ROOTCERT_FILE="$dir/tls/ca.crt" \
    CORE_PEER_FILESYSTEMPATH="$DATA_DIR/$node" \
    CORE_LEDGER_STATE_STATEDATABASE=goleveldb \
    CORE_LEDGER_SNAPSHOTS_ROOTDIR="$DATA_DIR/$node/snapshots" \
    CORE_OPERATIONS_LISTENADDRESS="$ip:${PEER_OPS_PORT[$org]}" \
    CORE_METRICS_PROVIDER=prometheus \
    "$BIN_DIR/peer" node start
}

node_ports() {
  local org
  if [[ "$1" == orderer ]]; then
    echo "$ORDERER_PORT $ORDERER_ADMIN_PORT $ORDERER_OPS_PORT"
  else
    org="$(org_of_node "$1")"
    echo "${PEER_PORT[$org]} ${PEER_CC_PORT[$org]} ${PEER_OPS_PORT[$org]}"
  fi
}

# ensure_node NODE: leaves a running node alone; (re)starts a dead one on its existing data.
# Sets NODE_STARTED=1 when it started something, so up.sh knows the network changed.
ensure_node() {
  local node="$1" ports
  if is_running "$node"; then
    log "$node already running (pid $(read_pid "$node"))"
    return 0
  fi
  [[ -f "$(pid_file "$node")" ]] && log "$node is recorded but not running: restarting it on its existing data"
  read -r -a ports <<<"$(node_ports "$node")"
  require_free_ports "$node" "${ports[@]}"
  if [[ "$node" == orderer ]]; then start_orderer; else start_peer "$(org_of_node "$node")"; fi
  NODE_STARTED=1
  log "started $node (pid $(read_pid "$node"), log $LOG_DIR/$node.log)"
}

# --- Channels -------------------------------------------------------------------------------------
osnadmin_cmd() { "$(fabric_bin osnadmin)" channel "$@" -o "$(node_ip orderer):$ORDERER_ADMIN_PORT"; }

# osnadmin prints "Status: NNN" then a JSON body.
orderer_channels() { osnadmin_cmd list | sed 1d | jq -r '.channels[]?.name' 2>/dev/null; }

ensure_orderer_joined() {
  local ch joined
  joined="$(orderer_channels)" || die "cannot list the orderer's channels (osnadmin, port $ORDERER_ADMIN_PORT)"
  for ch in "${CHANNELS[@]}"; do
    if grep -qx "$ch" <<<"$joined"; then continue; fi
    osnadmin_cmd join --channelID "$ch" --config-block "$BLOCKS_DIR/$ch.block" >/dev/null ||
      die "the orderer could not join $ch" "see $LOG_DIR/orderer.log"
    log "orderer joined $ch"
  done
}

peer_channels() { as_admin "$1" "$(fabric_bin peer)" channel list 2>/dev/null | sed 1d; }

# Each peer joins the channels its organization is a member of, and no other.
ensure_peers_joined() {
  local org ch joined
  for org in "${ORGS[@]}"; do
    joined="$(peer_channels "$org")" || die "cannot list the channels of ${ORG_NODE[$org]}"
    while read -r ch; do
      if grep -qx "$ch" <<<"$joined"; then continue; fi
      retry 5 1 as_admin "$org" "$(fabric_bin peer)" channel join -b "$BLOCKS_DIR/$ch.block" 2>>"$LOG_DIR/cli.log" ||
        die "${ORG_NODE[$org]} could not join $ch (cli log: $LOG_DIR/cli.log)" "see $LOG_DIR/${ORG_NODE[$org]}.log"
      log "${ORG_NODE[$org]} joined $ch"
    done < <(org_channels "$org")
  done
}

# The ledger height of CHANNEL on ORG's peer, from `peer channel getinfo`.
channel_height() {
  as_admin "$1" "$(fabric_bin peer)" channel getinfo -c "$2" 2>/dev/null |
    sed -n 's/^Blockchain info: //p' | jq -r .height
}

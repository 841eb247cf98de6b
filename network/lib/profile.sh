# shellcheck shell=bash
# network/.state/connection-profile.json: the network as a Fabric "common connection profile" (the JSON/YAML that
# Fabric's tooling writes for client applications: organizations, peers with url and tlsCACerts, orderers,
# channels), which the facade reads with ORCHESTRATOR_FABRIC_CONNECTION_PROFILE (facade/fabric/profile.ts).
# Each organization also names the client identity a facade signs with (signedCert, adminPrivateKey: the fields
# Fabric's connection profiles use for an identity; here each organization's User1, a client, not its admin).
# Sourced after common.sh.

write_connection_profile() {
  local org ch peers=() orgs=() channels=()
  for org in "${ORGS[@]}"; do
    orgs+=("$(jq -cn --arg msp "$org" --arg peer "$(peer_host "$org")" \
      --arg cert "$(first_file "$(user_msp "$org")/signcerts")" --arg key "$(first_file "$(user_msp "$org")/keystore")" \
      '{($msp): {mspid: $msp, peers: [$peer], signedCert: {path: $cert}, adminPrivateKey: {path: $key}}}')")
    peers+=("$(jq -cn --arg host "$(peer_host "$org")" --arg url "grpcs://$(peer_address "$org")" --arg ca "$(peer_tls_ca "$org")" \
      '{($host): {url: $url, tlsCACerts: {path: $ca}, grpcOptions: {"ssl-target-name-override": $host, hostnameOverride: $host}}}')")
  done
  for ch in "${CHANNELS[@]}"; do
    channels+=("$(channel_orgs "$ch" | while read -r org; do peer_host "$org"; echo; done |
      jq -Rsc --arg ch "$ch" --arg orderer "$ORDERER_HOST" '{($ch): {orderers: [$orderer], peers: (split("\n") | map(select(. != "")) |
        map({(.): {endorsingPeer: true, chaincodeQuery: true, ledgerQuery: true, eventSource: true}}) | add)}}')")
  done
  {
    printf '%s\n' "${orgs[@]}" | jq -s 'add' >"$STATE_DIR/profile.orgs.tmp"
    printf '%s\n' "${peers[@]}" | jq -s 'add' >"$STATE_DIR/profile.peers.tmp"
    printf '%s\n' "${channels[@]}" | jq -s 'add' >"$STATE_DIR/profile.channels.tmp"
    jq -n --arg topology "$TOPOLOGY" \
      --slurpfile orgs "$STATE_DIR/profile.orgs.tmp" --slurpfile peers "$STATE_DIR/profile.peers.tmp" \
      --slurpfile channels "$STATE_DIR/profile.channels.tmp" \
      --arg orderer "$ORDERER_HOST" --arg ourl "grpcs://$(node_ip orderer):$ORDERER_PORT" --arg oca "$(orderer_tls_ca)" \
      '{name: ("orchestrator-test-network-" + $topology), version: "1.0.0",
        client: {organization: ($orgs[0] | keys_unsorted[0])},
        organizations: $orgs[0], peers: $peers[0],
        orderers: {($orderer): {url: $ourl, tlsCACerts: {path: $oca}, grpcOptions: {"ssl-target-name-override": $orderer}}},
        channels: $channels[0]}'
  } >"$CONNECTION_PROFILE.tmp"
  rm -f "$STATE_DIR"/profile.*.tmp
  mv "$CONNECTION_PROFILE.tmp" "$CONNECTION_PROFILE"
}

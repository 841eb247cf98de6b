#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# npm run network:deploy [-- NAME...] — deploys chaincodes as a service (CCaaS) on the running
# network: package, install on every peer, start each organization's chaincode server, approve for
# every member of each channel and commit on every channel. Without names: noop, plus orchestrator when dist/chaincode/main.js exists.
# A chaincode whose files did not change since its last deployment is left alone (its server is
# restarted if it died); a changed one gets a new package and the next definition sequence.
set -euo pipefail

SCRIPT_NAME=deploy
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/nodes.sh
source "$NETWORK_DIR/lib/nodes.sh"
# shellcheck source=lib/chaincodes.sh
source "$NETWORK_DIR/lib/chaincodes.sh"

main() {
  local names=("$@") name
  acquire_lock
  check_state_topology
  network_nodes_healthy || die "the network is not running (or a node is unhealthy)" "run npm run network:up (it deploys too)"
  mkdir -p "$CC_STATE_DIR" "$LOG_DIR"
  if ((${#names[@]} == 0)); then mapfile -t names < <(available_chaincodes); fi
  for name in "${names[@]}"; do
    [[ "$name" != orchestrator || -f "$ORCHESTRATOR_MAIN" ]] ||
      die "orchestrator chaincode is not built: $ORCHESTRATOR_MAIN is missing" "build it (npm run build), then deploy again"
    step "deploy $name" deploy_chaincode "$name"
  done
}

main "$@"

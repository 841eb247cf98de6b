# shellcheck shell=bash
# The hosts topology (ORCHESTRATOR_NETWORK_TOPOLOGY=hosts): one Linux network namespace for the orderer and one per
# organization, each joined to a bridge in the machine's namespace by a veth pair, all on one private /24 derived from
# the port offset (common.sh: NETNS_PREFIX, NETNS_BRIDGE, NETNS_SUBNET). The machine's namespace holds the bridge's
# address, so the scripts, the tests and a facade started there reach every node directly; the namespaces reach each
# other through the bridge. No default route and no uplink: nothing outside the machine is ever addressed.
# Sourced after common.sh. Every function does nothing in the loopback topology.

# The namespaces' short names: orderer, org1, org2, org3 (namespace <prefix>-<short>, veth <prefix>-<short> on the
# bridge side, eth0 inside).
netns_members() {
  local org
  echo orderer
  for org in "${ORGS[@]}"; do echo "${ORG_NODE[$org]#peer0.}"; done
}

netns_member_ip() {
  local org
  if [[ "$1" == orderer ]]; then node_ip orderer && return 0; fi
  for org in "${ORGS[@]}"; do [[ "${ORG_NODE[$org]#peer0.}" == "$1" ]] && node_ip "$org" && return 0; done
  die "bug: unknown namespace member '$1'"
}

netns_exists() { ip netns list 2>/dev/null | cut -d' ' -f1 | grep -qx "$1"; }
link_exists() { ip link show "$1" >/dev/null 2>&1; }

# The subnet must not be in use by anything but our bridge (another interface, a route): the namespaces would then
# shadow real addresses of the machine.
check_subnet_free() {
  local used
  used="$(ip -4 -o addr show | awk -v b="$NETNS_BRIDGE" -v s="$NETNS_SUBNET." '$2 != b && index($4, s) == 1 { print $2 " " $4 }')"
  [[ -z "$used" ]] ||
    die "the hosts topology's subnet $NETNS_SUBNET.0/24 (from ORCHESTRATOR_NETWORK_PORT_OFFSET=$PORT_OFFSET) is already used here: $used" \
      "choose another ORCHESTRATOR_NETWORK_PORT_OFFSET"
}

# Idempotent: creates whatever is missing (a namespace, a link, an address) and leaves the rest alone.
ensure_netns() {
  [[ "$TOPOLOGY" == hosts ]] || return 0
  ((EUID == 0)) || die "the hosts topology creates network namespaces, which needs root" "run it as root (e.g. sudo -E npm run network:up)"
  command -v ip >/dev/null || die "'ip' is not installed" "apt-get install -y iproute2"
  check_subnet_free
  if ! link_exists "$NETNS_BRIDGE"; then
    ip link add "$NETNS_BRIDGE" type bridge
    log "created bridge $NETNS_BRIDGE"
  fi
  if ! ip -4 -o addr show dev "$NETNS_BRIDGE" | grep -q " $NETNS_BRIDGE_IP/24 "; then
    ip addr add "$NETNS_BRIDGE_IP/24" dev "$NETNS_BRIDGE"
  fi
  ip link set "$NETNS_BRIDGE" up
  local member ns veth ip
  while read -r member; do
    ns="$NETNS_PREFIX-$member"
    veth="$NETNS_PREFIX-$member"
    ip="$(netns_member_ip "$member")"
    if ! netns_exists "$ns"; then
      ip netns add "$ns"
      log "created network namespace $ns ($ip)"
    fi
    if ! link_exists "$veth"; then
      # a namespace left without its link (killed half-way): its eth0 went with the other end
      ip -n "$ns" link del eth0 2>/dev/null || true
      ip link add "$veth" type veth peer name eth0 netns "$ns"
    fi
    ip link set "$veth" master "$NETNS_BRIDGE" up
    if ! ip -n "$ns" -4 -o addr show dev eth0 | grep -q " $ip/24 "; then
      ip -n "$ns" addr add "$ip/24" dev eth0
    fi
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
  done < <(netns_members)
}

# Removes every namespace, veth pair and the bridge (with its address) that ensure_netns made. Processes must be
# stopped first: a namespace with a process in it lives on, unnamed, until the process exits.
remove_netns() {
  [[ "$TOPOLOGY" == hosts ]] || return 0
  local member ns
  while read -r member; do
    ns="$NETNS_PREFIX-$member"
    if link_exists "$NETNS_PREFIX-$member"; then ip link del "$NETNS_PREFIX-$member"; fi
    if netns_exists "$ns"; then
      ip netns del "$ns"
      log "removed network namespace $ns"
    fi
  done < <(netns_members)
  if link_exists "$NETNS_BRIDGE"; then
    ip link del "$NETNS_BRIDGE"
    log "removed bridge $NETNS_BRIDGE ($NETNS_BRIDGE_IP/24)"
  fi
}

# status.sh: one line per namespace (its address and whether its link is up), and the bridge. Counts problems
# through the caller's `problem`.
report_netns() {
  [[ "$TOPOLOGY" == hosts ]] || return 0
  if link_exists "$NETNS_BRIDGE"; then
    report "bridge $NETNS_BRIDGE" "OK ($NETNS_BRIDGE_IP/24)"
  else
    problem "bridge $NETNS_BRIDGE" "MISSING (npm run network:up creates it)"
  fi
  local member ns ip
  while read -r member; do
    ns="$NETNS_PREFIX-$member"
    ip="$(netns_member_ip "$member")"
    if ! netns_exists "$ns"; then
      problem "netns $ns" "MISSING"
    elif ! ip -n "$ns" -4 -o addr show dev eth0 2>/dev/null | grep -q " $ip/24 "; then
      problem "netns $ns" "NO ADDRESS $ip on eth0"
    else
      report "netns $ns" "OK ($ip, veth $NETNS_PREFIX-$member)"
    fi
  done < <(netns_members)
}

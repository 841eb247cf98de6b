# shellcheck shell=bash
# Builds the Fabric binaries with Go into network/.cache/bin and keeps Fabric's sample core.yaml /
# orderer.yaml from the same module download. Sourced after common.sh.

FABRIC_MODULE=github.com/hyperledger/fabric
GO_BUILD_DIR="$CACHE_DIR/gobuild"
SAMPLECONFIG_DIR="$CACHE_DIR/sampleconfig"
VERSION_FILE="$BIN_DIR/VERSION"
GO_LOG="$CACHE_DIR/go-build.log"

binaries_present() {
  local tool
  for tool in "${FABRIC_TOOLS[@]}"; do [[ -x "$BIN_DIR/$tool" ]] || return 1; done
  [[ -f "$VERSION_FILE" && -f "$SAMPLECONFIG_DIR/core.yaml" && -f "$SAMPLECONFIG_DIR/orderer.yaml" ]]
}

require_go() {
  command -v go >/dev/null 2>&1 ||
    die "Go is not installed (needed once, to build the Fabric binaries into $BIN_DIR)" \
      "install Go >= 1.26.4 (https://go.dev/dl/ or apt-get install golang-go if recent enough), then run npm run network:up"
}

# Go's own caches are kept inside network/.cache so that deleting that folder really means a cold
# build, and so that the build does not depend on (or fill) the user's global Go build cache.
go_env() {
  env GOBIN="$BIN_DIR" GOCACHE="$CACHE_DIR/go-build" GOFLAGS="-buildvcs=false -mod=mod" GOTOOLCHAIN=auto "$@"
}

# download_fabric_module QUERY: prints the module's JSON (Version, Dir) or fails with Go's message.
download_fabric_module() {
  local out
  mkdir -p "$GO_BUILD_DIR"
  if ! out="$(cd "$GO_BUILD_DIR" && go_env go mod download -json "$FABRIC_MODULE@$1" 2>&1)"; then
    printf '%s\n' "$out" >>"$GO_LOG"
    jq -r '.Error // empty' <<<"$out" 2>/dev/null || printf '%s' "$out"
    return 1
  fi
  printf '%s' "$out"
}

# resolve_fabric_module: sets FABRIC_VERSION, FABRIC_LABEL, FABRIC_DIR.
# The pinned v2.5.16 commit is asked for first. A module proxy that refuses it (HTTP 403, "not
# available") is a final answer, so we fall back to the newest Fabric the proxy does serve, loudly.
# FABRIC_MODULE_VERSION=<version or commit> skips all of this.
resolve_fabric_module() {
  local candidates=() labels=() i json err
  if [[ -n "${FABRIC_MODULE_VERSION:-}" ]]; then
    candidates=("$FABRIC_MODULE_VERSION")
    labels=("${FABRIC_MODULE_LABEL:-custom}")
  else
    candidates=("$FABRIC_PINNED_COMMIT" "$FABRIC_FALLBACK_VERSION")
    labels=("$FABRIC_PINNED_LABEL" "$FABRIC_FALLBACK_LABEL")
  fi
  for i in "${!candidates[@]}"; do
    if json="$(download_fabric_module "${candidates[$i]}")"; then
      FABRIC_VERSION="$(jq -r .Version <<<"$json")"
      FABRIC_DIR="$(jq -r .Dir <<<"$json")"
      FABRIC_LABEL="${labels[$i]}"
      ((i > 0)) && warn "USING FABRIC $FABRIC_LABEL ($FABRIC_VERSION) INSTEAD OF v$FABRIC_PINNED_LABEL: see network/README.md"
      return 0
    fi
    err="$json"
    if ((i + 1 < ${#candidates[@]})); then
      warn "the Go module proxy refused Fabric ${labels[$i]} (${candidates[$i]}): $(head -c 300 <<<"$err")"
    fi
  done
  die "could not download the Fabric Go module: $(head -c 400 <<<"$err")" \
    "check that the Go module proxy is reachable (go env GOPROXY), or set FABRIC_MODULE_VERSION to a version it serves"
}

# A throwaway module that requires Fabric at one version. `go install <pkg>@<version>` would be the
# one-liner, but it also asks the proxy for Fabric's version list (deprecation check), which some
# proxies refuse; building inside a module needs only the version itself and gives the same
# dependency versions (Fabric's go.mod has no replace/exclude directives).
write_build_module() {
  mkdir -p "$GO_BUILD_DIR"
  cat >"$GO_BUILD_DIR/go.mod" <<EOF
module fabricbinaries

go 1.20

require $FABRIC_MODULE $FABRIC_VERSION
EOF
  rm -f "$GO_BUILD_DIR/go.sum"
  {
    echo '//go:build tools'
    echo
    echo '// Package tools pins the Fabric commands that network/up.sh builds.'
    echo 'package tools'
    echo
    echo 'import ('
    for tool in "${FABRIC_TOOLS[@]}"; do printf '\t_ "%s/cmd/%s"\n' "$FABRIC_MODULE" "$tool"; done
    echo ')'
  } >"$GO_BUILD_DIR/tools.go"
}

# Seconds between "still building" lines while one tool compiles (a cold `peer` alone takes minutes).
FABRIC_BUILD_HEARTBEAT_S="${FABRIC_BUILD_HEARTBEAT_S:-30}"

# 125 -> "2m05s"
format_seconds() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# build_fabric_tool TOOL INDEX: one `go install`, with a line every FABRIC_BUILD_HEARTBEAT_S seconds while it runs,
# so that a cold build never looks hung. The tools share Go's build cache, so building them one after the other
# compiles each common package once, as a single `go install` of all five did.
build_fabric_tool() {
  local tool="$1" index="$2" t0 last pid sha ldflags
  sha="${FABRIC_VERSION##*-}"
  ldflags="-X $FABRIC_MODULE/common/metadata.Version=$FABRIC_LABEL -X $FABRIC_MODULE/common/metadata.CommitSHA=$sha"
  log "  building $tool ($index/${#FABRIC_TOOLS[@]})"
  t0=$SECONDS
  last=$SECONDS
  (cd "$GO_BUILD_DIR" && go_env go install -trimpath -ldflags "$ldflags" "$FABRIC_MODULE/cmd/$tool") >>"$GO_LOG" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if ((SECONDS - last >= FABRIC_BUILD_HEARTBEAT_S)) && kill -0 "$pid" 2>/dev/null; then
      log "  still building $tool: $(format_seconds $((SECONDS - t0))) so far, $(format_seconds $((SECONDS - BUILD_T0))) in all"
      last=$SECONDS
    fi
  done
  if ! wait "$pid"; then
    tail -n 20 "$GO_LOG" | sed 's/^/    | /' >&2
    die "building the Fabric binary $tool failed (full log: $GO_LOG)" \
      "read the log above (a missing C toolchain is not needed: Fabric builds with CGO off); delete network/.cache and retry"
  fi
  log "  built $tool ($index/${#FABRIC_TOOLS[@]}) in $(format_seconds $((SECONDS - t0))), $(format_seconds $((SECONDS - BUILD_T0))) in all"
}

build_fabric_tools() {
  local i
  BUILD_T0=$SECONDS
  log "building ${FABRIC_TOOLS[*]} from $FABRIC_MODULE@$FABRIC_VERSION with Go (log: $GO_LOG)"
  for i in "${!FABRIC_TOOLS[@]}"; do build_fabric_tool "${FABRIC_TOOLS[$i]}" $((i + 1)); done
}

copy_sampleconfig() {
  mkdir -p "$SAMPLECONFIG_DIR"
  cp "$FABRIC_DIR/sampleconfig/core.yaml" "$FABRIC_DIR/sampleconfig/orderer.yaml" \
    "$FABRIC_DIR/sampleconfig/configtx.yaml" "$SAMPLECONFIG_DIR/"
  chmod u+w "$SAMPLECONFIG_DIR"/*.yaml # files from the module cache are read-only
}

ensure_fabric_binaries() {
  if binaries_present; then
    log "reusing $(cat "$VERSION_FILE") in $BIN_DIR"
    return 0
  fi
  require_go
  mkdir -p "$BIN_DIR"
  : >"$GO_LOG"
  log "first run: building the Fabric binaries with Go, once; this is slow (several minutes, about 10 on 2 cores" \
    "with cold Go caches). Later runs reuse $BIN_DIR."
  log "$(go version)"
  log "downloading the Fabric Go module"
  resolve_fabric_module
  write_build_module
  build_fabric_tools
  copy_sampleconfig
  printf 'fabric %s (%s@%s)\n' "$FABRIC_LABEL" "$FABRIC_MODULE" "$FABRIC_VERSION" >"$VERSION_FILE"
  log "built $(cat "$VERSION_FILE")"
}

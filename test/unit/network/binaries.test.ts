// The first `npm run network:up` builds Fabric with Go for minutes. It must say so once and then show progress, tool
// by tool with elapsed times, instead of ten silent minutes. Run here against a stand-in `go` that "builds" each
// command instantly, in a throwaway cache folder: network/lib/binaries.sh itself, as up.sh sources it.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../lib/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'orc-binaries-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TOOLS = ['peer', 'orderer', 'configtxgen', 'cryptogen', 'osnadmin'];

/** A `go` that answers `version`, `mod download -json` (a module folder with sampleconfig/) and `install`. */
function fakeGo(): string {
  const module = join(dir, 'module');
  mkdirSync(join(module, 'sampleconfig'), { recursive: true });
  for (const file of ['core.yaml', 'orderer.yaml', 'configtx.yaml'])
    writeFileSync(join(module, 'sampleconfig', file), '');
  const bin = join(dir, 'fakebin');
  mkdirSync(bin);
  writeFileSync(
    join(bin, 'go'),
    `#!/usr/bin/env bash
case "$1" in
  version) echo "go version go0.0.0-fake linux/amd64" ;;
  mod) printf '{"Version":"v1.4.0-rc1.0.20260617221605-f871cf92a026","Dir":"%s"}\\n' ${JSON.stringify(module)} ;;
  install)
    for arg in "$@"; do
      case "$arg" in github.com/hyperledger/fabric/cmd/*) tool="\${arg##*/}"; printf '#!/bin/sh\\n' >"$GOBIN/$tool"; chmod +x "$GOBIN/$tool"; echo "go: built $tool" ;; esac
    done ;;
  *) echo "fake go: unexpected $*" >&2; exit 2 ;;
esac
`,
  );
  chmodSync(join(bin, 'go'), 0o755);
  return bin;
}

/** Sources common.sh and binaries.sh as up.sh does, with the cache moved to `cache`, and builds; stderr. */
function ensureBinaries(cache: string, fakeBin: string): string {
  const network = join(projectRoot(), 'network');
  const script = `
set -euo pipefail
SCRIPT_NAME=up
source ${JSON.stringify(join(network, 'lib/common.sh'))}
CACHE_DIR=${JSON.stringify(cache)}
BIN_DIR="$CACHE_DIR/bin"
source ${JSON.stringify(join(network, 'lib/binaries.sh'))}
ensure_fabric_binaries 2>&1
`;
  return execFileSync('bash', ['-c', script], {
    env: { PATH: `${fakeBin}:${process.env.PATH}`, HOME: dir },
    encoding: 'utf8',
  });
}

describe('the first build of the Fabric binaries', () => {
  const cache = join(dir, 'cache');
  const output = ensureBinaries(cache, fakeGo());
  const lines = output.trim().split('\n');

  it('builds every tool', () => {
    for (const tool of TOOLS) expect(existsSync(join(cache, 'bin', tool)), tool).toBe(true);
  });

  it('says once, before it starts, that the first build is slow', () => {
    const notices = lines.filter((line) => /first run: building the Fabric binaries.*slow/.test(line));
    expect(notices).toHaveLength(1);
    expect(lines.indexOf(notices[0] as string)).toBeLessThan(lines.findIndex((line) => line.includes('building peer')));
  });

  it('reports each tool as it starts and ends it, with its elapsed time and the total', () => {
    const progress = lines.filter((line) => /\[up\] {3}(building|built) /.test(line));
    expect(progress.map((line) => line.replace(/ in \d+m\d\ds, \d+m\d\ds in all$/, ' in <t>'))).toEqual(
      TOOLS.flatMap((tool, i) => [
        `[up]   building ${tool} (${i + 1}/${TOOLS.length})`,
        `[up]   built ${tool} (${i + 1}/${TOOLS.length}) in <t>`,
      ]),
    );
  });

  it('then reuses the cache without building', () => {
    expect(ensureBinaries(cache, join(dir, 'fakebin'))).toMatch(/^\[up\] reusing fabric /);
  });
});

// scripts/provision.sh, npm test's pretest, run from a throwaway checkout (the script and, unless a case says
// otherwise, a node_modules folder) on a PATH made for each case: a command of a needed Debian package left out of it
// is "missing". Root gets it installed through apt-get (a stand-in that records its calls and provides the command);
// anyone else gets the command to run; a complete machine never calls apt-get; a fresh clone gets npm ci.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromProjectRoot } from '../../../lib/paths.js';
import { unprivilegedUser } from '../../support/users.js';

const SCRIPT = fromProjectRoot('scripts', 'provision.sh');
/** Commands the script runs or checks, taken from this machine's PATH (postgresql and rabbitmq-server are files). */
const TOOLS = ['bash', 'sed', 'sort', 'tr', 'id', 'dirname', 'cat', 'openssl', 'curl', 'jq', 'ss', 'pgrep'].concat([
  'flock',
  'setsid',
  'tar',
  'gzip',
  'sha256sum',
  'dot',
]);

let dir: string;

const which = (tool: string): string =>
  spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();

interface Machine {
  script: string;
  path: string;
  /** What the apt-get and npm stand-ins were asked, one call a line. */
  calls(tool: 'apt-get' | 'npm'): string[];
}

/** A stand-in command that appends its arguments to `<bin>/<name>.log`, then runs `then` (sh). */
function standIn(bin: string, name: string, then = ''): void {
  writeFileSync(join(bin, name), `#!/bin/sh\necho "$*" >>${join(bin, `${name}.log`)}\n${then}\n`);
  chmodSync(join(bin, name), 0o755);
}

function machine(name: string, options: { without?: string[]; freshClone?: boolean } = {}): Machine {
  const repo = join(dir, name, 'repo');
  const bin = join(dir, name, 'bin');
  mkdirSync(join(repo, 'scripts'), { recursive: true });
  mkdirSync(bin);
  // The stand-ins log here, also when the script runs as nobody.
  chmodSync(bin, 0o777);
  copyFileSync(SCRIPT, join(repo, 'scripts', 'provision.sh'));
  if (!options.freshClone) mkdirSync(join(repo, 'node_modules'));
  for (const tool of TOOLS.filter((t) => !options.without?.includes(t))) {
    const found = which(tool);
    if (found) symlinkSync(found, join(bin, tool));
  }
  symlinkSync(process.execPath, join(bin, 'node'));
  standIn(bin, 'go', 'echo go1.26.8');
  // "Installing" jq makes it appear where the script looks: its second check must find it.
  standIn(bin, 'apt-get', `case "$*" in install*jq*) ${which('ln')} -s ${which('jq')} ${bin}/jq;; esac`);
  standIn(bin, 'npm');
  return {
    script: join(repo, 'scripts', 'provision.sh'),
    path: bin,
    calls: (tool) => {
      const log = join(bin, `${tool}.log`);
      return existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
    },
  };
}

function provision(m: Machine, user?: { uid: number; gid: number }) {
  const res = spawnSync(join(m.path, 'bash'), [m.script], {
    env: { PATH: m.path },
    encoding: 'utf8',
    timeout: 20_000,
    uid: user?.uid,
    gid: user?.gid,
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

const root = process.getuid?.() === 0;
const user = unprivilegedUser(SCRIPT);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'orc-provision-'));
  // Readable by every user: one case runs the script as nobody.
  chmodSync(dir, 0o755);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('scripts/provision.sh', () => {
  it('does nothing, and calls neither apt-get nor npm, when everything is there', () => {
    const m = machine('complete');
    const res = provision(m);
    expect(res, res.stderr).toMatchObject({ status: 0, stdout: '', stderr: '' });
    expect(m.calls('apt-get')).toEqual([]);
    expect(m.calls('npm')).toEqual([]);
  });

  it('runs npm ci in a fresh clone', () => {
    const m = machine('clone', { freshClone: true });
    const res = provision(m);
    expect(res, res.stderr).toMatchObject({ status: 0, stderr: '' });
    expect(m.calls('npm')).toEqual(['ci --no-audit --no-fund']);
  });

  it.runIf(root)('as root, installs what is missing after apt-get update', () => {
    const m = machine('root', { without: ['jq'] });
    const res = provision(m);
    expect(res, res.stderr).toMatchObject({ status: 0, stderr: '' });
    expect(res.stdout).toContain('installing missing Debian packages: jq');
    const calls = m.calls('apt-get');
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatch(/^update\b/);
    expect(calls[1]).toMatch(/^install .*--no-install-recommends jq$/);
  });

  it.skipIf(user === false)('as anyone else, stops at once with the command to run', () => {
    const m = machine('user', { without: ['jq', 'curl'] });
    const res = provision(m, user || undefined);
    expect(res.status).toBe(1);
    expect(res.stderr).toBe(
      'npm test: missing Debian packages: curl jq\n' +
        '  run as root: apt-get update && apt-get install -y --no-install-recommends curl jq\n',
    );
    expect(m.calls('apt-get')).toEqual([]);
  });

  it('stops when Node cannot run the Fabric chaincode servers', () => {
    const m = machine('old-node');
    // Unlinked first: writing through the symlink would overwrite the real node.
    rmSync(join(m.path, 'node'));
    standIn(m.path, 'node', 'echo v20.18.3');
    const res = provision(m);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/^npm test: Node v20\.18\.3 is too old .*Node >= 20\.19\n/);
  });

  it('stops when Go is too old to build the Fabric binaries', () => {
    const m = machine('old-go');
    standIn(m.path, 'go', 'echo go1.19.8');
    const res = provision(m);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/^npm test: go1\.19\.8 is too old to build the Fabric binaries\n.*Go >= 1\.21/);
  });
});

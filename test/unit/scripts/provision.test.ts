// scripts/provision.sh, npm test's pretest: on a machine where a command of a needed Debian package is missing (here:
// left out of PATH), root gets it installed through apt-get (a stand-in that records its calls and provides the
// command) and anyone else gets one line saying what to run; a complete machine never calls apt-get.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
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
]);

let dir: string;

const which = (tool: string): string =>
  spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();

/** A PATH folder with every tool but `without`, a Go stand-in, and an apt-get stand-in that logs to `apt.log`. */
function machine(name: string, without: string[]): { path: string; aptLog: string } {
  const bin = join(dir, name);
  const aptLog = join(dir, `${name}-apt.log`);
  mkdirSync(bin);
  for (const tool of TOOLS.filter((t) => !without.includes(t))) {
    const found = which(tool);
    if (found) symlinkSync(found, join(bin, tool));
  }
  symlinkSync(process.execPath, join(bin, 'node'));
  writeFileSync(join(bin, 'go'), '#!/bin/sh\necho go1.26.8\n');
  // "Installing" jq makes it appear where the script looks: a second check must find it.
  writeFileSync(
    join(bin, 'apt-get'),
    `#!/bin/sh\necho "$*" >>${aptLog}\ncase "$*" in install*jq*) ${which('ln')} -s ${which('jq')} ${bin}/jq;; esac\n`,
  );
  chmodSync(join(bin, 'go'), 0o755);
  chmodSync(join(bin, 'apt-get'), 0o755);
  return { path: bin, aptLog };
}

function provision(
  path: string,
  user?: { uid: number; gid: number },
): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync(join(path, 'bash'), [SCRIPT], {
    env: { PATH: path },
    encoding: 'utf8',
    timeout: 20_000,
    uid: user?.uid,
    gid: user?.gid,
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

const aptCalls = (log: string): string[] => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);
const root = process.getuid?.() === 0;
const user = unprivilegedUser(SCRIPT);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'orc-provision-'));
  chmodSync(dir, 0o755);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('scripts/provision.sh', () => {
  it('does nothing, and never calls apt-get, when everything is there', () => {
    const { path, aptLog } = machine('complete', []);
    const res = provision(path);
    expect(res, res.stderr).toMatchObject({ status: 0, stderr: '' });
    expect(aptCalls(aptLog)).toEqual([]);
  });

  it.runIf(root)('as root, installs what is missing after apt-get update', () => {
    const { path, aptLog } = machine('root', ['jq']);
    const res = provision(path);
    expect(res, res.stderr).toMatchObject({ status: 0, stderr: '' });
    expect(res.stdout).toContain('installing missing Debian packages: jq');
    const calls = aptCalls(aptLog);
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatch(/^update\b/);
    expect(calls[1]).toMatch(/^install .*--no-install-recommends jq$/);
  });

  it.skipIf(user === false)('as anyone else, stops at once with the command to run', () => {
    const { path, aptLog } = machine('user', ['jq', 'curl']);
    const res = provision(path, user || undefined);
    expect(res.status).toBe(1);
    expect(res.stderr).toBe(
      'npm test: missing Debian packages: curl jq\n' +
        '  run as root: apt-get update && apt-get install -y --no-install-recommends curl jq\n',
    );
    expect(aptCalls(aptLog)).toEqual([]);
  });
});

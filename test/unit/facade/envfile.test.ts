// network/.state/facade.env is read two ways: by the facade as data (facade/envfile.ts), and by operators who source
// it into a shell. Both must see the same values, for values of every shape up.sh may write (paths with blanks or
// quotes, the ';' of the channel membership).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseEnvFile } from '../../../facade/envfile.js';
import { projectRoot } from '../../../lib/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'orc-envfile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const VALUES: Record<string, string> = {
  MEMBERSHIP: 'mychannel:MyOrg1MSP,MyOrg2MSP;yourchannel:MyOrg1MSP,MyOrg2MSP,MyOrg3MSP',
  BLANKS: '/home/a user/my repo/network/.state/crypto/key.pem',
  QUOTES: `it's "quoted" ''`,
  DOLLARS: '$HOME $(echo no) `echo no` ${X:-y}',
  BACKSLASHES: 'a\\b\\\\c\\',
  HASH: '#not a comment',
  TAB: 'a\tb',
  TILDE: '~/x *',
  EMPTY: '',
};

/** The file network/up.sh's env_line writes for VALUES. */
function writtenByNetworkScripts(): string {
  const script = [
    `source ${JSON.stringify(join(projectRoot(), 'network/lib/common.sh'))}`,
    ...Object.keys(VALUES).map((name) => `env_line ${name} "$${name}"`),
  ].join('\n');
  return execFileSync('bash', ['-c', script], { env: { ...VALUES, PATH: process.env.PATH }, encoding: 'utf8' });
}

/** What `set -a; . file` exports in SHELL, for the names of VALUES. */
function sourcedBy(shell: string, file: string): Record<string, string> {
  const names = Object.keys(VALUES);
  const script = `set -a; . ${JSON.stringify(file)}; for n in ${names.join(' ')}; do eval "printf '%s\\0' \\"\\$$n\\""; done`;
  const out = execFileSync(shell, ['-c', script], { env: { PATH: process.env.PATH }, encoding: 'utf8' });
  const values = out.split('\0').slice(0, names.length);
  return Object.fromEntries(names.map((name, i) => [name, values[i] as string]));
}

describe('facade.env as network/up.sh writes it', () => {
  const text = writtenByNetworkScripts();
  const file = join(dir, 'facade.env');
  writeFileSync(file, text);

  it('is read by the facade as written', () => {
    expect(parseEnvFile(text)).toEqual(VALUES);
  });

  for (const shell of ['bash', 'sh']) {
    it(`is sourced by ${shell} to the same values`, () => {
      expect(sourcedBy(shell, file)).toEqual(VALUES);
    });
  }
});

describe('parseEnvFile', () => {
  it('reads export, comments, blank lines and the quoting forms of the shell', () => {
    expect(
      parseEnvFile(
        [
          '# a comment',
          '',
          'export A=1',
          `B='x;y'  # trailing comment`,
          'C="a\\"b\\$c\\d"',
          `D='it'\\''s'`,
          'E=un\\ quoted',
          'F=',
        ].join('\n'),
      ),
    ).toEqual({ A: '1', B: 'x;y', C: 'a"b$c\\d', D: "it's", E: 'un quoted', F: '' });
  });

  it('still reads an unquoted membership line, as files written before the quoting have it', () => {
    expect(parseEnvFile('M=one:A,B;two:C\n')).toEqual({ M: 'one:A,B;two:C' });
  });

  it('names the line of an unclosed quote or of text a shell would run as a command', () => {
    expect(() => parseEnvFile("A=1\nB='x")).toThrow(/line 2 \(B\): unclosed single quote/);
    expect(() => parseEnvFile('A="x')).toThrow(/line 1 \(A\): unclosed double quote/);
    expect(() => parseEnvFile('A=x y')).toThrow(/line 1 \(A\): unexpected "y"/);
  });
});

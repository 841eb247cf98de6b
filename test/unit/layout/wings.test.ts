// The shape of the house: the wings (chaincode/, facade/, network/) stand on lib/ only. A wing importing another
// wing or the tests drags that code into its process (the chaincode server, the facade, the network scripts) and
// makes a change in one place break another that looks unrelated.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../../lib/paths.js';

const root = projectRoot();
const WINGS = ['chaincode', 'facade', 'network'];

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name.startsWith('.') ? [] : sourceFiles(path);
    return /\.(c|m)?ts$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

interface Import {
  specifier: string;
  typeOnly: boolean;
}

/** Static imports and re-exports, side-effect imports and dynamic import() calls, with their type-only flag. */
function importsOf(file: string): Import[] {
  const text = readFileSync(join(root, file), 'utf8');
  const found: Import[] = [];
  for (const match of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+'([^']+)'/gm)) {
    found.push({ specifier: match[3] as string, typeOnly: match[2] !== undefined });
  }
  for (const match of text.matchAll(/^\s*import\s+'([^']+)'/gm))
    found.push({ specifier: match[1] as string, typeOnly: false });
  for (const match of text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) {
    found.push({ specifier: match[1] as string, typeOnly: false });
  }
  return found;
}

/** The top-level folder a relative import lands in, from the project root ("lib", "test", "facade", …). */
function targetOf(file: string, specifier: string): string {
  return relative(root, resolve(root, dirname(file), specifier));
}

describe('wings import lib/ and nothing of each other or of test/', () => {
  for (const wing of WINGS) {
    it(`${wing}/`, () => {
      const strays = sourceFiles(wing).flatMap((file) =>
        importsOf(file)
          .filter(({ specifier }) => specifier.startsWith('.'))
          .map(({ specifier }) => [file, targetOf(file, specifier)] as const)
          .filter(([, target]) => !target.startsWith('lib/') && !target.startsWith(`${wing}/`))
          .map(([file, target]) => `${file} → ${target}`),
      );
      expect(strays).toEqual([]);
    });
  }

  it('finds the imports it checks (the scan itself works)', () => {
    expect(sourceFiles('facade').length).toBeGreaterThan(10);
    expect(importsOf('facade/app.ts').some(({ specifier }) => specifier === './postgres/backend.js')).toBe(true);
  });
});

describe('facade/config.ts', () => {
  it('takes only types from facade/fabric/ (the Fabric backend loads in distributed mode only)', () => {
    const values = importsOf('facade/config.ts')
      .filter(
        ({ specifier, typeOnly }) => !typeOnly && targetOf('facade/config.ts', specifier).startsWith('facade/fabric/'),
      )
      .map(({ specifier }) => specifier);
    expect(values).toEqual([]);
  });
});

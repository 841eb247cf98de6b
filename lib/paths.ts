import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

let root: string | undefined;

/**
 * The project's root folder (the one holding package.json), the same whether the code runs from source or compiled
 * into dist/: files tsc does not copy (migrations, the buf image, network state) are found from here.
 */
export function projectRoot(): string {
  if (root === undefined) {
    let dir = import.meta.dirname;
    while (!existsSync(join(dir, 'package.json'))) {
      const parent = dirname(dir);
      if (parent === dir) throw new Error(`no package.json above ${import.meta.dirname}`);
      dir = parent;
    }
    root = dir;
  }
  return root;
}

export function fromProjectRoot(...segments: string[]): string {
  return join(projectRoot(), ...segments);
}

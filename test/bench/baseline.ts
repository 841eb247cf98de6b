// `--baseline <git ref>`: a build of another commit to run beside this one, in a temporary git worktree, so that
// every figure can be given as a ratio of two servers measured in the same run on the same (shared, drifting) machine.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../lib/paths.js';

export interface BaselineTree {
  /** The checkout of the ref, built (dist/ present). */
  root: string;
  /** The commit the ref named. */
  commit: string;
  /** Removes the worktree. */
  remove(): void;
}

function run(cwd: string, command: string, args: string[]): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

/**
 * Checks `ref` out in a temporary worktree and builds it. node_modules is shared by symlink when both lockfiles are
 * byte-identical (an `npm ci` costs minutes on this machine and would install the same tree); otherwise `npm ci` runs
 * there.
 */
export function prepareBaseline(ref: string): BaselineTree {
  const own = projectRoot();
  const commit = run(own, 'git', ['rev-parse', '--verify', `${ref}^{commit}`]);
  const root = mkdtempSync(join(tmpdir(), 'orc-bench-baseline-'));
  run(own, 'git', ['worktree', 'add', '--detach', '--force', root, commit]);
  const remove = (): void => {
    try {
      run(own, 'git', ['worktree', 'remove', '--force', root]);
    } catch {
      rmSync(root, { recursive: true, force: true });
      run(own, 'git', ['worktree', 'prune']);
    }
  };
  try {
    const sameLock =
      readFileSync(join(own, 'package-lock.json'), 'utf8') === readFileSync(join(root, 'package-lock.json'), 'utf8');
    if (sameLock) symlinkSync(join(own, 'node_modules'), join(root, 'node_modules'), 'dir');
    else run(root, 'npm', ['ci', '--no-audit', '--no-fund']);
    // The build writes generated code under lib/asset/gen of that tree only; the shared node_modules is read.
    run(root, 'npm', ['run', 'build', '--silent']);
    if (!existsSync(join(root, 'dist/facade/main.js')))
      throw new Error(`baseline ${ref}: no dist/facade/main.js after build`);
    return { root, commit, remove };
  } catch (err) {
    remove();
    throw err;
  }
}

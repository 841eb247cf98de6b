// `npm start`'s prestart: builds only when dist/ is missing or older than its sources, so that starting a built
// tree costs milliseconds, not the ~10 s of a full rebuild (buf generate + tsc) it used to pay on every start.
// Plain JavaScript on purpose: it must run before anything is compiled. `--stamp` (the end of `npm run build`)
// records that dist/ is up to date.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const stamp = join(root, 'dist', '.build-stamp');

// What the build reads: sources, protos, and the files that configure the compilers.
const INPUT_DIRS = ['lib', 'facade', 'chaincode', 'proto', 'proto-private', 'test/bench', 'test/support'];
const INPUT_FILES = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'buf.gen.yaml',
  'buf.gen.private.yaml',
];
const SKIP = new Set(['node_modules', 'gen']);

function newest(path) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs; // a deleted or renamed file changes its folder's mtime
  for (const entry of readdirSync(path)) {
    if (!SKIP.has(entry)) latest = Math.max(latest, newest(join(path, entry)));
  }
  return latest;
}

function writeStamp() {
  mkdirSync(join(root, 'dist'), { recursive: true });
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
}

if (process.argv.includes('--stamp')) {
  writeStamp();
} else {
  let built = 0;
  try {
    built = statSync(stamp).mtimeMs;
  } catch {
    // never built
  }
  const inputs = Math.max(
    ...INPUT_DIRS.map((dir) => newest(join(root, dir))),
    ...INPUT_FILES.map((f) => newest(join(root, f))),
  );
  if (inputs > built) {
    process.stderr.write('orchestrator: building (sources changed since the last build)\n');
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    // The build's output goes to stderr: stdout belongs to what runs next (the CLI's output may be piped).
    const result = spawnSync(npm, ['run', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
    if (result.status !== 0) process.exit(result.status ?? 1);
  }
}

// Substra's configuration uses Go durations ("500ms", "1m30s"); we accept the same syntax so that existing
// deployment files keep working.

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** Milliseconds of a Go duration string (time.ParseDuration syntax); throws on anything else. */
export function parseGoDuration(text: string): number {
  let s = text.trim();
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s.startsWith('-')) sign = -1;
    s = s.slice(1);
  }
  // Go accepts a bare "0" (and only that) without a unit.
  if (s === '0') return 0;
  if (s === '') throw new Error(`invalid duration "${text}"`);
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < s.length) {
    const start = PART.lastIndex;
    const m = PART.exec(s);
    if (!m || m.index !== start) throw new Error(`invalid duration "${text}" (expected e.g. 500ms, 2s, 1m30s)`);
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  }
  return sign * total;
}

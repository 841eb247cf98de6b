// Reads `KEY=value` files such as network/.state/facade.env.

/** Parses `KEY=value` lines (no shell expansion: the file is data, not a script). */
export function parseEnvFile(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match?.[1] || match[2] === undefined) continue;
    vars[match[1]] = match[2].trim().replace(/^(['"])(.*)\1$/, '$2');
  }
  return vars;
}

// Reads `KEY=value` files such as network/.state/facade.env: data, never run, yet read exactly as `set -a; . file`
// in a POSIX shell would read them, so that an operator can source the same file into a shell and see the same values.

/**
 * Parses `KEY=value` lines (an optional `export ` before the key; blank lines and `#` comments ignored).
 *
 * A value follows the shell's quoting rules: '…' is literal, "…" honours the backslash before $ ` " \ and newline,
 * and an unquoted backslash escapes the next character; adjacent pieces join (`'it'\''s'` is `it's`). Nothing is
 * expanded ($VAR, $(…), ~ stay as they are), which is the same answer as the shell's for the values a writer that
 * quotes everything produces. Unquoted text is taken as it is up to a blank: files written before facade.env was
 * quoted (`a:b;c:d`, which a shell would cut at the ';') still read as they were meant.
 *
 * @throws Error naming the line, for an unclosed quote or text after the value (a shell would run it as a command)
 */
export function parseEnvFile(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  const lines = text.split('\n');
  lines.forEach((line, number) => {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match?.[1] || match[2] === undefined) return;
    const value = shellWord(match[2].replace(/\r$/, ''));
    if (typeof value !== 'string') throw new Error(`line ${number + 1} (${match[1]}): ${value.error}`);
    vars[match[1]] = value;
  });
  return vars;
}

const DOUBLE_QUOTE_ESCAPABLE = new Set(['$', '`', '"', '\\']);

/** The first shell word of `raw`, which must be followed by nothing but blanks and an optional comment. */
function shellWord(raw: string): string | { error: string } {
  let value = '';
  let at = 0;
  while (at < raw.length) {
    const char = raw[at] as string;
    if (char === "'") {
      const end = raw.indexOf("'", at + 1);
      if (end < 0) return { error: 'unclosed single quote' };
      value += raw.slice(at + 1, end);
      at = end + 1;
    } else if (char === '"') {
      at++;
      for (;;) {
        if (at >= raw.length) return { error: 'unclosed double quote' };
        const inner = raw[at] as string;
        if (inner === '"') break;
        const next = raw[at + 1];
        if (inner === '\\' && next !== undefined && DOUBLE_QUOTE_ESCAPABLE.has(next)) {
          value += next;
          at += 2;
        } else {
          value += inner;
          at++;
        }
      }
      at++;
    } else if (char === '\\' && at + 1 < raw.length) {
      value += raw[at + 1];
      at += 2;
    } else if (char === ' ' || char === '\t') {
      const rest = raw.slice(at).trimStart();
      if (rest !== '' && !rest.startsWith('#')) return { error: `unexpected "${rest}" after the value (quote it)` };
      break;
    } else {
      value += char;
      at++;
    }
  }
  return value;
}

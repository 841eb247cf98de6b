/**
 * A whole-string matcher for the RE2 subset govalidator's patterns use, compiled to a Thompson NFA.
 *
 * Why not RegExp: govalidator's URL pattern nests quantifiers (`(([a-z…0-9]+-?-?)*[a-z…0-9]+)`). Go's RE2 runs it in
 * linear time; V8's backtracking engine takes exponential time on a crafted 2,000-character address, which would
 * let one request stall the server or every endorsing peer. Simulating the NFA gives the same answer as Go (match or
 * no match; we never need submatches) in O(input × pattern).
 *
 * Supported syntax: literals, `.`, escapes (\d \D \s \S \w \W \xHH \x{H…} and escaped punctuation), classes with
 * ranges and negation, groups `(…)` / `(?:…)`, `|`, `?` `*` `+` `{n}` `{n,}` `{n,m}` (lazy suffix `?` accepted and
 * ignored), and `^`/`$` only at the very ends. Anything else throws at compile time, so a pattern we cannot honour
 * is never silently misread.
 */

type CharTest = (codePoint: number) => boolean;

type Node =
  | { kind: 'char'; test: CharTest }
  | { kind: 'seq'; items: Node[] }
  | { kind: 'alt'; items: Node[] }
  | { kind: 'repeat'; item: Node; min: number; max: number };

// Go's \s is [\t\n\f\r ] (no \v); \d and \w are ASCII-only.
const isSpace: CharTest = (c) => c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d || c === 0x20;
const isDigit: CharTest = (c) => c >= 0x30 && c <= 0x39;
const isWord: CharTest = (c) => isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
const not =
  (test: CharTest): CharTest =>
  (c) =>
    !test(c);

type Escape = { codePoint: number } | { test: CharTest };

class Parser {
  private pos = 0;
  private readonly src: string;

  constructor(src: string) {
    this.src = src;
  }

  parse(): Node {
    if (this.src.startsWith('^')) this.pos = 1;
    const end = this.src.endsWith('$') && !this.src.endsWith('\\$') ? this.src.length - 1 : this.src.length;
    const node = this.parseAlt(end);
    if (this.pos !== end) this.fail('unexpected character');
    return node;
  }

  private fail(what: string): never {
    throw new Error(`pattern: ${what} at offset ${this.pos} in ${this.src}`);
  }

  private peek(): string | undefined {
    return this.src[this.pos];
  }

  private parseAlt(end: number): Node {
    const items = [this.parseSeq(end)];
    while (this.pos < end && this.peek() === '|') {
      this.pos++;
      items.push(this.parseSeq(end));
    }
    return items.length === 1 ? items[0]! : { kind: 'alt', items };
  }

  private parseSeq(end: number): Node {
    const items: Node[] = [];
    while (this.pos < end && this.peek() !== '|' && this.peek() !== ')') items.push(this.parseRepeat(end));
    return items.length === 1 ? items[0]! : { kind: 'seq', items };
  }

  private parseRepeat(end: number): Node {
    let node = this.parseAtom(end);
    for (;;) {
      const c = this.peek();
      let bounds: [number, number] | undefined;
      if (c === '?') bounds = [0, 1];
      else if (c === '*') bounds = [0, Infinity];
      else if (c === '+') bounds = [1, Infinity];
      if (bounds) {
        this.pos++;
      } else if (c === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos));
        if (!m) return node; // Go reads a '{' that starts no valid repetition as a literal: the next atom.
        this.pos += m[0].length;
        const min = Number(m[1]);
        const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
        if (max < min || min > 1000 || (max > 1000 && max !== Infinity)) this.fail('bad repetition');
        bounds = [min, max];
      } else {
        return node;
      }
      if (this.pos < end && this.peek() === '?') this.pos++; // lazy: same language
      node = { kind: 'repeat', item: node, min: bounds[0], max: bounds[1] };
    }
  }

  private parseAtom(end: number): Node {
    const c = this.peek();
    if (c === undefined || this.pos >= end) this.fail('missing atom');
    if (c === '(') {
      this.pos++;
      if (this.src.startsWith('?:', this.pos)) this.pos += 2;
      else if (this.peek() === '?') this.fail('unsupported group flag');
      const node = this.parseAlt(end);
      if (this.peek() !== ')') this.fail('missing )');
      this.pos++;
      return node;
    }
    if (c === '[') return { kind: 'char', test: this.parseClass() };
    if (c === '\\') {
      const esc = this.parseEscape();
      return { kind: 'char', test: 'test' in esc ? esc.test : (x) => x === esc.codePoint };
    }
    if (c === '.') {
      this.pos++;
      return { kind: 'char', test: (x) => x !== 0x0a };
    }
    if (c === '^' || c === '$' || c === ')' || c === '|' || c === '*' || c === '+' || c === '?') {
      this.fail(`unsupported ${c}`);
    }
    const cp = this.src.codePointAt(this.pos)!;
    this.pos += cp > 0xffff ? 2 : 1;
    return { kind: 'char', test: (x) => x === cp };
  }

  private parseEscape(): Escape {
    this.pos++; // the backslash
    const c = this.peek();
    if (c === undefined) this.fail('trailing backslash');
    this.pos++;
    switch (c) {
      case 'd':
        return { test: isDigit };
      case 'D':
        return { test: not(isDigit) };
      case 's':
        return { test: isSpace };
      case 'S':
        return { test: not(isSpace) };
      case 'w':
        return { test: isWord };
      case 'W':
        return { test: not(isWord) };
      case 't':
        return { codePoint: 0x09 };
      case 'n':
        return { codePoint: 0x0a };
      case 'r':
        return { codePoint: 0x0d };
      case 'f':
        return { codePoint: 0x0c };
      case 'v':
        return { codePoint: 0x0b };
      case 'x': {
        const m = /^(?:\{([0-9a-fA-F]+)\}|([0-9a-fA-F]{2}))/.exec(this.src.slice(this.pos));
        if (!m) this.fail('bad \\x escape');
        this.pos += m[0].length;
        return { codePoint: parseInt(m[1] ?? m[2]!, 16) };
      }
      default:
        if (/[A-Za-z0-9]/.test(c)) this.fail(`unsupported escape \\${c}`);
        return { codePoint: c.codePointAt(0)! };
    }
  }

  private parseClassMember(): Escape {
    if (this.peek() === '\\') return this.parseEscape();
    const cp = this.src.codePointAt(this.pos);
    if (cp === undefined) this.fail('unterminated class');
    this.pos += cp > 0xffff ? 2 : 1;
    return { codePoint: cp };
  }

  private parseClass(): CharTest {
    this.pos++; // [
    const negated = this.peek() === '^';
    if (negated) this.pos++;
    const members: CharTest[] = [];
    let first = true;
    while (first || this.peek() !== ']') {
      if (this.peek() === undefined) this.fail('unterminated class');
      if (this.src.startsWith('[:', this.pos)) this.fail('POSIX classes are not supported');
      first = false;
      const lo = this.parseClassMember();
      if ('test' in lo) {
        members.push(lo.test);
        continue;
      }
      // As in Go: "a-b" is a range unless the '-' is the last character before ']'.
      if (this.peek() === '-' && this.src[this.pos + 1] !== undefined && this.src[this.pos + 1] !== ']') {
        this.pos++;
        const hi = this.parseClassMember();
        if ('test' in hi || hi.codePoint < lo.codePoint) this.fail('bad class range');
        const [from, to] = [lo.codePoint, hi.codePoint];
        members.push((x) => x >= from && x <= to);
      } else {
        const only = lo.codePoint;
        members.push((x) => x === only);
      }
    }
    this.pos++; // ]
    return (x) => members.some((m) => m(x)) !== negated;
  }
}

const MATCH = 0;

/** A compiled pattern; `matches` answers whether the whole input is in the pattern's language. */
export class LinearPattern {
  // State i: a character state when tests[i] is set (goes to next[i] on a matching character), otherwise an
  // epsilon state going to next[i] and, when ≥ 0, alt[i]. State 0 is the accepting state.
  private readonly tests: (CharTest | undefined)[] = [undefined];
  private readonly next: number[] = [-1];
  private readonly alt: number[] = [-1];
  private readonly start: number;

  private constructor(root: Node) {
    this.start = this.compile(root, MATCH);
  }

  static compile(source: string): LinearPattern {
    return new LinearPattern(new Parser(source).parse());
  }

  private state(test: CharTest | undefined, next: number, alt: number): number {
    this.tests.push(test);
    this.next.push(next);
    this.alt.push(alt);
    return this.tests.length - 1;
  }

  /** Compiles `node` so that it continues with state `then`; returns its entry state. */
  private compile(node: Node, then: number): number {
    switch (node.kind) {
      case 'char':
        return this.state(node.test, then, -1);
      case 'seq':
        return node.items.reduceRight((next, item) => this.compile(item, next), then);
      case 'alt':
        return node.items
          .slice(0, -1)
          .reduceRight(
            (rest, item) => this.state(undefined, this.compile(item, then), rest),
            this.compile(node.items.at(-1)!, then),
          );
      case 'repeat': {
        let tail: number;
        if (node.max === Infinity) {
          tail = this.state(undefined, -1, then);
          this.next[tail] = this.compile(node.item, tail);
        } else {
          tail = then;
          for (let i = node.min; i < node.max; i++) tail = this.state(undefined, this.compile(node.item, tail), then);
        }
        for (let i = 0; i < node.min; i++) tail = this.compile(node.item, tail);
        return tail;
      }
    }
  }

  matches(input: string): boolean {
    const seen = new Int32Array(this.tests.length).fill(-1);
    let generation = 0;
    let current: number[] = [];
    this.follow(this.start, current, seen, generation);
    for (const ch of input) {
      const cp = ch.codePointAt(0)!;
      const following: number[] = [];
      generation++;
      for (const s of current) {
        const test = this.tests[s];
        if (test?.(cp)) this.follow(this.next[s]!, following, seen, generation);
      }
      if (following.length === 0) return false;
      current = following;
    }
    return current.includes(MATCH);
  }

  /** Adds `from` and every state reachable from it without consuming input (character and accepting states only). */
  private follow(from: number, into: number[], seen: Int32Array, generation: number): void {
    const stack = [from];
    while (stack.length > 0) {
      const s = stack.pop()!;
      if (seen[s] === generation) continue;
      seen[s] = generation;
      if (s === MATCH || this.tests[s] !== undefined) {
        into.push(s);
        continue;
      }
      if (this.alt[s]! >= 0) stack.push(this.alt[s]!);
      stack.push(this.next[s]!);
    }
  }
}

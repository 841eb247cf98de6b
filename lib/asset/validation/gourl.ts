/**
 * The parts of Go's net/url parser that decide whether `url.Parse` / `url.ParseRequestURI` fail, and the fields
 * govalidator then looks at. Substra's address rules (is.URL, is.RequestURL) are defined through these two calls, so
 * reproducing their failure cases is what makes an address we accept one Substra accepts, and vice versa.
 * WHATWG `URL` differs on purpose-relevant points (it accepts "http:example.com", rejects "localhost:8080" as a
 * request URL is not its concept, normalises hosts), hence this port.
 */

interface GoUrl {
  /** Lower-cased scheme, "" when there is none. */
  scheme: string;
  /** Unescaped host, port included, as Go's URL.Host. */
  host: string;
  /** Unescaped path, as Go's URL.Path. */
  path: string;
}

type Mode = 'path' | 'host' | 'zone' | 'userPassword' | 'fragment';

const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c);
const isAlnum = (c: string): boolean => /^[A-Za-z0-9]$/.test(c);

// shouldEscape(c, encodeHost): what Go refuses unescaped in a host (ASCII only; bytes ≥ 0x80 are allowed).
const hostAllowed = new Set([...'!$&\'()*+,;=:[]<>"-_.~']);
const hostRefuses = (c: string): boolean => !isAlnum(c) && !hostAllowed.has(c);

/** url.unescape: the decoded text, or undefined where Go returns an error. */
function unescape(s: string, mode: Mode): string | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < s.length;) {
    const c = s[i]!;
    if (c === '%') {
      if (i + 2 >= s.length || !isHex(s[i + 1]) || !isHex(s[i + 2])) return undefined;
      const escape = s.slice(i, i + 3);
      const value = parseInt(escape.slice(1), 16);
      // In a host, %-encoding is only for non-ASCII bytes, except %25 which introduces an IPv6 zone.
      if (mode === 'host' && value < 0x80 && escape !== '%25') return undefined;
      // In a zone, escapes may only spell bytes a host could hold unescaped (and the space Windows puts there).
      if (mode === 'zone' && escape !== '%25' && value !== 0x20 && hostRefuses(String.fromCharCode(value))) {
        return undefined;
      }
      bytes.push(value);
      i += 3;
      continue;
    }
    if ((mode === 'host' || mode === 'zone') && c.charCodeAt(0) < 0x80 && hostRefuses(c)) return undefined;
    const cp = s.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    bytes.push(...Buffer.from(ch, 'utf8'));
    i += ch.length;
  }
  return Buffer.from(bytes).toString('utf8');
}

const validOptionalPort = (port: string): boolean => port === '' || /^:[0-9]*$/.test(port);

function parseHost(host: string): string | undefined {
  if (host.startsWith('[')) {
    const i = host.lastIndexOf(']');
    if (i < 0 || !validOptionalPort(host.slice(i + 1))) return undefined;
    const zone = host.slice(0, i).indexOf('%25');
    if (zone >= 0) {
      const parts = [
        unescape(host.slice(0, zone), 'host'),
        unescape(host.slice(zone, i), 'zone'),
        unescape(host.slice(i), 'host'),
      ];
      return parts.some((p) => p === undefined) ? undefined : parts.join('');
    }
  } else {
    const i = host.lastIndexOf(':');
    if (i !== -1 && !validOptionalPort(host.slice(i))) return undefined;
  }
  return unescape(host, 'host');
}

// validUserinfo: RFC 3986 userinfo characters, checked rune by rune (any non-ASCII rune is refused).
const validUserinfo = (s: string): boolean => /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(s);

function parseAuthority(authority: string): string | undefined {
  const at = authority.lastIndexOf('@');
  const host = parseHost(at < 0 ? authority : authority.slice(at + 1));
  if (host === undefined || at < 0) return host;
  const userinfo = authority.slice(0, at);
  if (!validUserinfo(userinfo) || unescape(userinfo, 'userPassword') === undefined) return undefined;
  return host;
}

/** getScheme: undefined is Go's "missing protocol scheme" error; a non-scheme prefix just means no scheme. */
function getScheme(raw: string): { scheme: string; rest: string } | undefined {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) return { scheme: '', rest: raw };
      continue;
    }
    if (c === ':') return i === 0 ? undefined : { scheme: raw.slice(0, i), rest: raw.slice(i + 1) };
    return { scheme: '', rest: raw };
  }
  return { scheme: '', rest: raw };
}

// stringContainsCTLByte
// eslint-disable-next-line no-control-regex
const hasControlByte = (s: string): boolean => /[\x00-\x1f\x7f]/.test(s);

function parse(raw: string, viaRequest: boolean): GoUrl | undefined {
  if (hasControlByte(raw) || (raw === '' && viaRequest)) return undefined;
  if (raw === '*') return { scheme: '', host: '', path: '*' };
  const split = getScheme(raw);
  if (!split) return undefined;
  const url: GoUrl = { scheme: split.scheme.toLowerCase(), host: '', path: '' };
  let rest = split.rest;
  const q = rest.indexOf('?');
  if (q >= 0) rest = rest.slice(0, q);

  if (!rest.startsWith('/')) {
    if (url.scheme !== '') return url; // opaque URL ("mailto:x", "localhost:8080")
    if (viaRequest) return undefined;
    const slash = rest.indexOf('/');
    if ((slash < 0 ? rest : rest.slice(0, slash)).includes(':')) return undefined;
  }
  if ((url.scheme !== '' || (!viaRequest && !rest.startsWith('///'))) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    rest = '';
    const slash = authority.indexOf('/');
    if (slash >= 0) [authority, rest] = [authority.slice(0, slash), authority.slice(slash)];
    const host = parseAuthority(authority);
    if (host === undefined) return undefined;
    url.host = host;
  }
  const path = unescape(rest, 'path');
  if (path === undefined) return undefined;
  url.path = path;
  return url;
}

/** Go's url.Parse; undefined where it returns an error. */
export function goUrlParse(raw: string): GoUrl | undefined {
  const hash = raw.indexOf('#');
  const url = parse(hash < 0 ? raw : raw.slice(0, hash), false);
  if (url === undefined) return undefined;
  if (hash >= 0 && unescape(raw.slice(hash + 1), 'fragment') === undefined) return undefined;
  return url;
}

/** Go's url.ParseRequestURI (no fragment handling: '#' stays part of the URL); undefined where it errors. */
export function goUrlParseRequestURI(raw: string): GoUrl | undefined {
  return parse(raw, true);
}

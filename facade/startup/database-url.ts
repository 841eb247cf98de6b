// ORCHESTRATOR_DATABASE_URL is checked when the configuration is read: node-postgres reads almost any string as a
// connection string (`nonsense` becomes host "base"), so a typo or another database's URL would otherwise surface
// later as a connection error about something the operator never wrote.

const SCHEMES = new Set(['postgres:', 'postgresql:']);

/**
 * Returns `value` when it is a postgres:// or postgresql:// URL; throws an Error whose message says what is wrong.
 * The message never repeats the value, which may hold a password.
 */
export function checkDatabaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error('expected a URL such as postgres://user:password@host:5432/database');
  }
  if (!SCHEMES.has(url.protocol)) {
    throw new Error(`expected a postgres:// or postgresql:// URL, got a ${url.protocol}// URL`);
  }
  return value;
}

/** Where a URL points, for messages: "host:port/database as user", without the password. */
export function describeDatabaseUrl(value: string): string {
  const url = new URL(value);
  // libpq's defaults, which node-postgres also applies.
  const host = url.searchParams.get('host') ?? (url.hostname || 'localhost');
  const port = url.port || '5432';
  const user = decode(url.username);
  const database = decode(url.pathname.replace(/^\//, ''));
  return `${host}:${port}/${database}${user ? ` as ${user}` : ''}`;
}

/** Percent-decoding that keeps a malformed sequence as written instead of throwing. */
function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** `text` with every occurrence of the URL's password (raw or decoded) replaced, for messages from the driver. */
export function hidePassword(text: string, value: string): string {
  let password: string;
  try {
    password = new URL(value).password;
  } catch {
    return text;
  }
  if (!password) return text;
  return [password, decode(password)].reduce((out, secret) => out.split(secret).join('***'), text);
}

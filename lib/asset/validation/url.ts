import { goUrlParse, goUrlParseRequestURI } from './gourl.js';
import { RE2JS } from 're2js';

// govalidator's URL pattern (patterns.go), verbatim, so that the addresses Substra accepts are the ones we accept.
const IP = String.raw`(([0-9a-fA-F]{1,4}:){7,7}[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,7}:|([0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,5}(:[0-9a-fA-F]{1,4}){1,2}|([0-9a-fA-F]{1,4}:){1,4}(:[0-9a-fA-F]{1,4}){1,3}|([0-9a-fA-F]{1,4}:){1,3}(:[0-9a-fA-F]{1,4}){1,4}|([0-9a-fA-F]{1,4}:){1,2}(:[0-9a-fA-F]{1,4}){1,5}|[0-9a-fA-F]{1,4}:((:[0-9a-fA-F]{1,4}){1,6})|:((:[0-9a-fA-F]{1,4}){1,7}|:)|fe80:(:[0-9a-fA-F]{0,4}){0,4}%[0-9a-zA-Z]{1,}|::(ffff(:0{1,4}){0,1}:){0,1}((25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])\.){3,3}(25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])|([0-9a-fA-F]{1,4}:){1,4}:((25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])\.){3,3}(25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9]))`;
const URL_SCHEMA = String.raw`((ftp|tcp|udp|wss?|https?):\/\/)`;
const URL_USERNAME = String.raw`(\S+(:\S*)?@)`;
const URL_PATH = String.raw`((\/|\?|#)[^\s]*)`;
const URL_PORT = String.raw`(:(\d{1,5}))`;
const URL_IP = String.raw`([1-9]\d?|1\d\d|2[01]\d|22[0-3]|24\d|25[0-5])(\.(\d{1,2}|1\d\d|2[0-4]\d|25[0-5])){2}(?:\.([0-9]\d?|1\d\d|2[0-4]\d|25[0-5]))`;
const URL_SUBDOMAIN = String.raw`((www\.)|([a-zA-Z0-9]+([-_\.]?[a-zA-Z0-9])*[a-zA-Z0-9]\.[a-zA-Z0-9]+))`;

/** The source of govalidator's rxURL; exported for the differential test against a backtracking RegExp. */
export const GOVALIDATOR_URL_PATTERN =
  '^' +
  URL_SCHEMA +
  '?' +
  URL_USERNAME +
  '?' +
  '((' +
  URL_IP +
  String.raw`|(\[` +
  IP +
  String.raw`\])|(([a-zA-Z0-9]([a-zA-Z0-9-_]+)?[a-zA-Z0-9]([-\.][a-zA-Z0-9]+)*)|(` +
  URL_SUBDOMAIN +
  String.raw`?))?(([a-zA-Z\x{00a1}-\x{ffff}0-9]+-?-?)*[a-zA-Z\x{00a1}-\x{ffff}0-9]+)(?:\.([a-zA-Z\x{00a1}-\x{ffff}]{1,}))?))\.?` +
  URL_PORT +
  '?' +
  URL_PATH +
  '?$';

/**
 * Compiled with re2js, a port of RE2 (the engine Go's regexp uses): the pattern nests quantifiers
 * (`(([a-z…0-9]+-?-?)*[a-z…0-9]+)`), on which V8's backtracking RegExp takes exponential time for a crafted
 * 2,000-character address, which would let one request stall the server or every endorsing peer. RE2 runs it in
 * linear time and answers as Go does.
 */
const urlPattern = RE2JS.compile(GOVALIDATOR_URL_PATTERN);

const MAX_URL_RUNES = 2083;
const MIN_URL_BYTES = 3;

/**
 * govalidator.IsURL, which Substra's is.URL applies to every storage address: optional scheme among
 * ftp/tcp/udp/ws/wss/http/https, a host, optional port (1–5 digits) and path; fewer than 2083 runes, more than 3 bytes.
 */
export function isURL(str: string): boolean {
  if (
    str === '' ||
    [...str].length >= MAX_URL_RUNES ||
    Buffer.byteLength(str) <= MIN_URL_BYTES ||
    str.startsWith('.')
  ) {
    return false;
  }
  // govalidator prepends a scheme so that "host:port" parses as a host rather than as scheme "host".
  const parsed = goUrlParse(str.includes(':') && !str.includes('://') ? `http://${str}` : str);
  if (parsed === undefined || parsed.host.startsWith('.')) return false;
  if (parsed.host === '' && parsed.path !== '' && !parsed.path.includes('.')) return false;
  return urlPattern.matches(str);
}

/**
 * govalidator.IsRequestURL (Substra's is.RequestURL, for an organization address): Go's url.ParseRequestURI accepts
 * it and it has a scheme. Deliberately loose, as in Substra: "localhost:8080" has scheme "localhost" and passes.
 */
export function isRequestURL(str: string): boolean {
  const parsed = goUrlParseRequestURI(str);
  return parsed !== undefined && parsed.scheme !== '';
}

import { describe, expect, it } from 'vitest';
import { isRequestURL, isURL } from '../../../lib/asset/validation/index.js';

describe('isURL (govalidator IsURL)', () => {
  it.each([
    'http://example.com',
    'https://example.com/path?q=1#frag',
    'example.com', // scheme is optional
    'www.example.com/a/b',
    'ftp://files.example.org',
    'ws://example.com', // govalidator's scheme list: ftp, tcp, udp, ws, wss, http, https
    'http://localhost',
    'localhost:8080', // host:port is read as a host, not as scheme "localhost"
    'http://backend.org-1.com:8000/model/abc',
    'http://192.168.0.1/x',
    'http://[::1]:8080/',
    'http://[2001:db8::1]/',
    'http://user:pass@example.com/',
    'http://例子.测试', // non-ASCII host labels
    'http://ex_ample.com',
    'http://example.com:99999', // 1–5 digits; no range check
    'http://a.b',
    'http://example.com/%41', // valid escape
    'http://ab.0x/',
    'http://a--a.aa/',
  ])('accepts %j', (s) => {
    expect(isURL(s)).toBe(true);
  });

  it.each([
    ['', 'empty'],
    ['abc', 'three bytes or fewer'],
    ['localhost', 'no scheme, no dot: a path, not a host'],
    ['.example.com', 'leading dot'],
    ['http://.example.com', 'host with a leading dot'],
    ['http://exa mple.com', 'space in host'],
    ['http://example.com:123456', 'six-digit port'],
    ['http://example.com:port', 'non-numeric port'],
    ['s3://bucket/key', 'scheme outside the list'],
    ['http://-example.com', 'host starting with a dash'],
    ['http://example.com/%zz', 'bad percent escape (url.Parse fails)'],
    ['http://exam\u0001ple.com', 'control character'],
    ['http://[::1/', 'unclosed IPv6 bracket'],
    ['http://', 'no host'],
    ['http://a.0x/', 'govalidator quirk: the last label must be alphabetic after a one-character label'],
    ['http://a.a.aa/', 'govalidator quirk: two one-character labels'],
    ['http://a0.a--a.aa/', 'govalidator quirk: "--" refused after the first label'],
  ])('refuses %j (%s)', (s) => {
    expect(isURL(s)).toBe(false);
  });

  it('counts the 2083 limit in characters (runes), refusing at 2083', () => {
    const prefix = 'http://a.com/';
    expect(isURL(prefix + 'a'.repeat(2082 - prefix.length))).toBe(true);
    expect(isURL(prefix + 'a'.repeat(2083 - prefix.length))).toBe(false);
    expect(isURL(prefix + 'é'.repeat(2082 - prefix.length))).toBe(true); // > 2083 bytes, 2082 runes
  });
});

describe('isRequestURL (govalidator IsRequestURL)', () => {
  it.each([
    'http://example.com',
    'https://orc.org1.com:9000/',
    'http://10.0.0.1:8000',
    'http://', // Go accepts an empty authority
    'localhost:8080', // scheme "localhost", opaque "8080": Substra accepts it too
    'mailto:admin@example.com',
    'HTTP://EXAMPLE.COM',
    'http://[fe80::1%25en0]:80/',
  ])('accepts %j', (s) => {
    expect(isRequestURL(s)).toBe(true);
  });

  it.each([
    ['example.com', 'no scheme'],
    ['/relative/path', 'no scheme'],
    ['10.0.0.1:8000', 'a scheme cannot start with a digit'],
    [':8000', 'missing protocol scheme'],
    ['http://exa mple.com', 'space in host'],
    ['http://example.com:80a', 'invalid port'],
    ['http://ex%41mple.com', 'ASCII escaped in host'],
    ['http://[::1', "missing ']'"],
    ['http://example.com/%zz', 'bad escape in path'],
    ['http://us er@example.com', 'invalid userinfo'],
    ['http://example.com/\u007f', 'control character'],
    ['http://example.com#frag ment', "no fragment split: '#' and space end up in the host"],
  ])('refuses %j (%s)', (s) => {
    expect(isRequestURL(s)).toBe(false);
  });
});

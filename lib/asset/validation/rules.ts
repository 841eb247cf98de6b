import type { DescEnum } from '@bufbuild/protobuf';
import { invalidAsset } from '../../errors/index.js';
import { isRequestURL, isURL } from './url.js';

/** Substra's internal lower-case kind names: the first word of every validation message. */
export type AssetName =
  | 'organization'
  | 'function'
  | 'datamanager'
  | 'datasample'
  | 'computeplan'
  | 'computetask'
  | 'model'
  | 'performance'
  | 'failurereport'
  | 'profiling_step'
  | 'event';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const hexPattern = /^[0-9a-fA-F]+$/;

/** Substra's is.UUID: lower-case hex only, so that a key has exactly one spelling in every backend. */
export const isUuid = (value: string): boolean => uuidPattern.test(value);

export const byteLength = (value: string): number => Buffer.byteLength(value, 'utf8');

/** Field paths as clients know them: proto field names, `[i]` for list items, `["key"]` for map entries. */
export const fieldPath = (parent: string, name: string): string => (parent === '' ? name : `${parent}.${name}`);
export const itemPath = (parent: string, index: number): string => `${parent}[${index}]`;
export const entryPath = (parent: string, key: string): string => `${parent}[${JSON.stringify(key)}]`;

/** Map keys in a fixed order, so that every endorsing peer builds the same error message. */
export const sortedKeys = (map: Readonly<Record<string, unknown>>): string[] => Object.keys(map).sort();

/**
 * Collects every violated rule of one request, then throws them all at once (OE0101), so a client fixes its input
 * in one round trip. Rules follow ozzo-validation's semantics: format and length rules skip empty values, which
 * `required()` reports.
 */
export class Violations {
  readonly #found: string[] = [];

  add(path: string, reason: string): void {
    this.#found.push(`${path}: ${reason}`);
  }

  get count(): number {
    return this.#found.length;
  }

  string(path: string, value: string): StringRules {
    return new StringRules(this, path, value);
  }

  /** Substra's Required on a message field: it must be present; an empty but present message passes. */
  present<T>(path: string, value: T | undefined): value is T {
    if (value === undefined) this.add(path, 'cannot be blank');
    return value !== undefined;
  }

  /**
   * `value` must be one of `allowed`. Unlike ozzo's In, 0 is refused: an unset enum where a real value is required
   * is a client error (ARCHITECTURE §6), not something to let fail later in storage.
   */
  oneOf(path: string, value: number, schema: DescEnum, allowed: readonly number[]): boolean {
    if (allowed.includes(value)) return true;
    this.add(
      path,
      `must be one of ${allowed.map((n) => enumName(schema, n)).join(', ')} (got ${enumName(schema, value)})`,
    );
    return false;
  }

  /** `value` must be a value the enum defines (0 included): open proto3 enums carry any number on the wire. */
  definedEnum(path: string, value: number, schema: DescEnum): boolean {
    if (schema.values.some((v) => v.number === value)) return true;
    this.add(path, `must be a defined ${schema.name} value (got ${value})`);
    return false;
  }

  throwIfAny(asset: AssetName): void {
    if (this.#found.length > 0) throw invalidAsset(`${asset} is not valid: ${this.#found.join('; ')}`);
  }
}

const enumName = (schema: DescEnum, value: number): string =>
  schema.values.find((v) => v.number === value)?.name ?? String(value);

/** Rules on one string field; chained calls report every rule the value breaks. */
class StringRules {
  readonly #violations: Violations;
  readonly #path: string;
  readonly #value: string;

  constructor(violations: Violations, path: string, value: string) {
    this.#violations = violations;
    this.#path = path;
    this.#value = value;
  }

  #check(ok: boolean, reason: string): this {
    if (this.#value !== '' && !ok) this.#violations.add(this.#path, reason);
    return this;
  }

  required(): this {
    if (this.#value === '') this.#violations.add(this.#path, 'cannot be blank');
    return this;
  }

  /** Substra's Length(min, max): counted in UTF-8 bytes, not characters. */
  bytesBetween(min: number, max: number): this {
    const n = byteLength(this.#value);
    return this.#check(n >= min && n <= max, `the length must be between ${min} and ${max} bytes (got ${n})`);
  }

  maxBytes(max: number): this {
    const n = byteLength(this.#value);
    return this.#check(n <= max, `the length must be no more than ${max} bytes (got ${n})`);
  }

  exactBytes(length: number): this {
    const n = byteLength(this.#value);
    return this.#check(n === length, `the length must be exactly ${length} bytes (got ${n})`);
  }

  uuid(): this {
    return this.#check(isUuid(this.#value), 'must be a valid UUID (lower-case hexadecimal)');
  }

  hexadecimal(): this {
    return this.#check(hexPattern.test(this.#value), 'must be a valid hexadecimal number');
  }

  url(): this {
    return this.#check(isURL(this.#value), 'must be a valid URL');
  }

  requestUrl(): this {
    return this.#check(isRequestURL(this.#value), 'must be a valid request URL');
  }
}

/** Substra's "name rules": Required and 1..100 bytes. */
export function checkName(v: Violations, path: string, name: string): void {
  v.string(path, name).required().bytesBetween(1, 100);
}

/** A required asset key: present and a lower-case UUID. */
export function checkKey(v: Violations, path: string, key: string): void {
  v.string(path, key).required().uuid();
}

/** An optional key, e.g. a query filter: a lower-case UUID when given. */
export function checkOptionalKey(v: Violations, path: string, key: string): void {
  v.string(path, key).uuid();
}

/**
 * Keys repeated inside one batch. Substra let them through to a raw unique-violation from the database; naming the
 * duplicate here gives every backend the same OE0101.
 */
export function checkUniqueKeys(v: Violations, listPath: string, keys: readonly string[], keyField = 'key'): void {
  const firstSeen = new Map<string, number>();
  keys.forEach((key, i) => {
    if (key === '') return; // already reported as blank
    const first = firstSeen.get(key);
    if (first === undefined) firstSeen.set(key, i);
    else
      v.add(
        fieldPath(itemPath(listPath, i), keyField),
        `duplicate key "${key}" in the batch (also ${fieldPath(itemPath(listPath, first), keyField)})`,
      );
  });
}

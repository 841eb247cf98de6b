import { createFileRegistry, fromBinary, ScalarType, type DescField } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { readFileSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rpcs, grpcPath } from '../../../lib/api/index.js';
import { projectRoot } from '../../../lib/paths.js';
import { parseSpec, SPEC_PATH } from './spec-tables.js';

/** The compiled buf image: exactly what the server serves through reflection. */
const image = fromBinary(
  FileDescriptorSetSchema,
  readFileSync(resolve(import.meta.dirname, '../../../lib/asset/gen/orchestrator.binpb')),
);
const registry = createFileRegistry(image);
const spec = parseSpec();

const scalarNames: Record<number, string> = {
  [ScalarType.STRING]: 'string',
  [ScalarType.BOOL]: 'bool',
  [ScalarType.UINT32]: 'uint32',
  [ScalarType.INT32]: 'int32',
  [ScalarType.FLOAT]: 'float',
};

function typeName(field: DescField): string {
  switch (field.fieldKind) {
    case 'scalar':
      return scalarNames[field.scalar] ?? `scalar ${field.scalar}`;
    case 'enum':
      return field.enum.name;
    case 'message':
      return qualify(field.message.typeName);
    case 'list':
      return field.listKind === 'scalar'
        ? (scalarNames[field.scalar] ?? '?')
        : field.listKind === 'enum'
          ? field.enum.name
          : qualify(field.message.typeName);
    case 'map': {
      const value =
        field.mapKind === 'scalar'
          ? (scalarNames[field.scalar] ?? '?')
          : field.mapKind === 'enum'
            ? field.enum.name
            : qualify(field.message.typeName);
      return `map<${scalarNames[field.mapKey] ?? '?'}, ${value}>`;
    }
  }
}

const qualify = (typeName: string): string => typeName.replace(/^orchestrator\./, '');

function label(field: DescField): string {
  if (field.oneof) return `oneof ${field.oneof.name}`;
  if (field.fieldKind === 'list') return 'repeated';
  if (field.fieldKind === 'map') return 'map';
  return '';
}

describe('proto wire compatibility with Substra orchestrator 1.0 (tables of the reference spec)', () => {
  it('reads the reference tables from the repository itself (a bare clone runs the whole check)', () => {
    expect(SPEC_PATH.startsWith(projectRoot() + sep), SPEC_PATH).toBe(true);
  });

  it('reads a complete reference (sanity: the parser found the whole API)', () => {
    expect(spec.rpcs).toHaveLength(40);
    expect(new Set(spec.rpcs.map((r) => r.service)).size).toBe(13);
    expect(spec.enums.size).toBe(10);
    expect(spec.messages.size).toBeGreaterThan(80);
  });

  it.each(spec.rpcs.map((r) => [`${r.service}/${r.rpc}`, r] as const))('rpc %s', (_, expected) => {
    const service = registry.getService(`orchestrator.${expected.service}`);
    expect(service, `service ${expected.service}`).toBeDefined();
    expect(service?.file.name).toBe(expected.file.replace(/\.proto$/, ''));
    const method = service?.methods.find((m) => m.name === expected.rpc);
    expect(method, `rpc ${expected.rpc}`).toBeDefined();
    expect(qualify(method?.input.typeName ?? '')).toBe(expected.request);
    expect(qualify(method?.output.typeName ?? '')).toBe(expected.response);
    expect(method?.methodKind).toBe(expected.streaming === 'server-stream' ? 'server_streaming' : 'unary');
  });

  it('has no service or rpc beyond the reference', () => {
    const ours = [...registry].flatMap((d) =>
      d.kind === 'service' ? d.methods.map((m) => `${d.name}/${m.name}`) : [],
    );
    expect(ours.sort()).toEqual(spec.rpcs.map((r) => `${r.service}/${r.rpc}`).sort());
  });

  it('describes every rpc of the reference exactly once in the RPC table (lib/api)', () => {
    const paths = rpcs.map(grpcPath).sort();
    expect(paths).toEqual(spec.rpcs.map((r) => `/orchestrator.${r.service}/${r.rpc}`).sort());
  });

  it.each([...spec.enums].map(([name, values]) => [name, values] as const))('enum %s', (name, values) => {
    const desc = registry.getEnum(`orchestrator.${name}`);
    expect(desc, `enum ${name}`).toBeDefined();
    const ours = new Map(desc?.values.map((v) => [v.name, v.number]));
    expect(ours).toEqual(values);
  });

  it.each([...spec.messages.values()].map((m) => [m.name, m] as const))('message %s', (name, expected) => {
    const desc = registry.getMessage(`orchestrator.${name}`);
    expect(desc, `message ${name}`).toBeDefined();
    if (!desc) return;
    expect(desc.file.name).toBe(expected.file.replace(/\.proto$/, ''));
    const ours = desc.fields.map((f) => ({ number: f.number, name: f.name, type: typeName(f), label: label(f) }));
    expect(ours).toEqual(expected.fields.sort((a, b) => a.number - b.number));
    const reserved = desc.proto.reservedRange.flatMap((r) =>
      Array.from({ length: r.end - r.start }, (_, i) => r.start + i),
    );
    expect(reserved.sort((a, b) => a - b)).toEqual([...expected.reservedNumbers].sort((a, b) => a - b));
    expect([...desc.proto.reservedName].sort()).toEqual([...expected.reservedNames].sort());
  });
});

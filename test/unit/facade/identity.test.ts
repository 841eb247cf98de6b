import { Metadata, status as Status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { channelConfig } from '../../../facade/channels.js';
import { toGrpcError } from '../../../facade/grpc/errors.js';
import { channelOf, mspidOf, requestIdOf, singleHeader } from '../../../facade/grpc/identity.js';

function md(headers: [string, string][]): Metadata {
  const m = new Metadata();
  for (const [k, v] of headers) m.add(k, v);
  return m;
}

const channels = channelConfig({ mychannel: ['Org1', 'Org2'], other: ['Org2'] });

function statusOf(fn: () => unknown): { code: number; details: string } {
  try {
    fn();
  } catch (err) {
    return toGrpcError(err);
  }
  throw new Error('expected a failure');
}

describe('headers', () => {
  it('reads exactly one non-empty value', () => {
    expect(singleHeader(md([['mspid', 'Org1']]), 'mspid')).toBe('Org1');
    expect(singleHeader(md([]), 'mspid')).toBeUndefined();
    expect(singleHeader(md([['mspid', '']]), 'mspid')).toBeUndefined();
    expect(
      singleHeader(
        md([
          ['mspid', 'Org1'],
          ['mspid', 'Org2'],
        ]),
        'mspid',
      ),
    ).toBeUndefined();
  });

  it('takes the reqid header or makes an 8-character id', () => {
    expect(requestIdOf(md([['reqid', 'abc']]))).toBe('abc');
    expect(requestIdOf(md([]))).toMatch(/^[0-9a-f]{8}$/);
  });
});

describe('mspid check', () => {
  it('accepts one mspid', () => expect(mspidOf(md([['mspid', 'Org1']]))).toBe('Org1'));

  it.each([
    ['missing', []],
    [
      'duplicated',
      [
        ['mspid', 'Org1'],
        ['mspid', 'Org1'],
      ],
    ],
  ] as [string, [string, string][]][])('%s → FAILED_PRECONDITION OE0003', (_, headers) => {
    const s = statusOf(() => mspidOf(md(headers)));
    expect(s.code).toBe(Status.FAILED_PRECONDITION);
    expect(s.details).toMatch(/^OE0003: .*'mspid'/);
  });
});

describe('channel check', () => {
  it('accepts an MSP listed on the channel', () => {
    expect(channelOf(md([['channel', 'mychannel']]), 'Org1', channels)).toBe('mychannel');
  });

  it('missing or duplicated → FAILED_PRECONDITION OE0003', () => {
    for (const headers of [
      [],
      [
        ['channel', 'mychannel'],
        ['channel', 'other'],
      ],
    ] as [string, string][][]) {
      const s = statusOf(() => channelOf(md(headers), 'Org1', channels));
      expect(s.code).toBe(Status.FAILED_PRECONDITION);
      expect(s.details).toMatch(/^OE0003: .*'channel'/);
    }
  });

  it.each([
    ['unknown channel', 'nochannel', 'Org1'],
    ['channel not open to the MSP', 'other', 'Org1'],
    ['unknown MSP', 'mychannel', 'Org9'],
  ])('%s → PERMISSION_DENIED OE0102', (_, channel, mspid) => {
    const s = statusOf(() => channelOf(md([['channel', channel]]), mspid, channels));
    expect(s.code).toBe(Status.PERMISSION_DENIED);
    expect(s.details).toMatch(/^OE0102: /);
  });
});

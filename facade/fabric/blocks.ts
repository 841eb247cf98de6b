import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import type { Network } from '@hyperledger/fabric-gateway';
import { OrcError } from '../../lib/errors/index.js';
import { fromFabricError } from './errors.js';

/**
 * The number of the block holding a transaction, from the peer's query system chaincode. Only the block header's
 * number is read, so there is no need for the whole Fabric block schema.
 */
export async function blockNumberOfTransaction(network: Network, txId: string): Promise<bigint> {
  let block: Uint8Array;
  try {
    block = await network.getContract('qscc').evaluateTransaction('GetBlockByTxID', network.getName(), txId);
  } catch (err) {
    const mapped = fromFabricError(err);
    if (mapped.kind === 'Internal' && /not found|no such transaction/i.test(mapped.message)) {
      throw new OrcError('NotFound', `event of transaction "${txId}" not found in channel "${network.getName()}"`);
    }
    throw mapped;
  }
  return readHeaderNumber(block);
}

/** common.Block { BlockHeader header = 1 { uint64 number = 1 } } */
export function readHeaderNumber(block: Uint8Array): bigint {
  const reader = new BinaryReader(block);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) {
      const header = new BinaryReader(reader.bytes());
      while (header.pos < header.len) {
        const [headerField, headerWire] = header.tag();
        if (headerField === 1 && headerWire === WireType.Varint) return BigInt(header.uint64());
        header.skip(headerWire);
      }
      return 0n;
    }
    reader.skip(wireType);
  }
  throw new OrcError('Internal', 'block without header');
}

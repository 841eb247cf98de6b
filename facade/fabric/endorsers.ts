import { common, gateway as gatewayProtos, msp, peer } from '@hyperledger/fabric-protos';

/**
 * The MSP ids of the endorsements an endorsed transaction carries, sorted, read from its envelope: which
 * organizations' peers actually endorsed it (the gateway may stop at the policy's minimum).
 *
 * @param bytes - `Transaction.getBytes()` of fabric-gateway (a gateway.PreparedTransaction)
 */
export function endorserMspIds(bytes: Uint8Array): string[] {
  const prepared = gatewayProtos.PreparedTransaction.deserializeBinary(bytes);
  const envelope = prepared.getEnvelope();
  if (!envelope) throw new Error('prepared transaction has no envelope');
  const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
  const transaction = peer.Transaction.deserializeBinary(payload.getData_asU8());
  const mspIds: string[] = [];
  for (const action of transaction.getActionsList()) {
    const actionPayload = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
    for (const endorsement of actionPayload.getAction()?.getEndorsementsList() ?? []) {
      mspIds.push(msp.SerializedIdentity.deserializeBinary(endorsement.getEndorser_asU8()).getMspid());
    }
  }
  return mspIds.sort();
}

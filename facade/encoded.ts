/**
 * A message already in its protobuf wire form, which the gRPC layer sends as it is. Event streams use it to send the
 * bytes the store holds: no decoding into a message and no encoding back, once per event and per subscriber.
 */
export class Encoded {
  constructor(readonly bytes: Uint8Array) {}
}

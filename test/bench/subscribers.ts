// A separate process holding N open SubscribeToEvents streams that consume everything sent to them. Separate, so the
// driver's own timing loop does not also pay for decoding N copies of every event: what is measured is the server.
// Protocol on stdout: `ready` once every stream has received the marker event named on the command line.
import { connect } from '../support/client.js';

async function main(): Promise<void> {
  const [address, count, startEventId, marker] = process.argv.slice(2);
  if (!address || !count || startEventId === undefined || !marker) {
    throw new Error('usage: subscribers.js <address> <count> <startEventId> <marker asset key>');
  }
  const client = connect(address, { mspid: 'MyOrg1MSP', channel: 'mychannel', timeoutMs: 120_000 });
  let waiting = Number(count);
  for (let i = 0; i < Number(count); i++) {
    const stream = client.event.subscribeToEvents({ startEventId });
    void (async () => {
      let seen = false;
      for await (const event of stream) {
        if (!seen && event.assetKey === marker) {
          seen = true;
          if (--waiting === 0) process.stdout.write('ready\n');
        }
        // Only the server's sending is measured; nothing kept.
        stream.received.length = 0;
      }
    })();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

// The conformance suite against the distributed deployment: the facade forwarding every call to the orchestrator
// chaincode on the native Fabric network (brought up, or reused, by network/up.sh).
import { ensureFabricNetwork } from '../support/fabric-network.js';
import { startServer } from '../support/server.js';
import { DEFAULT_TOPOLOGY, type Topology } from './context.js';
import { describeConformance } from './suite.js';

// The network's topology is the default one: MyOrg1MSP and MyOrg2MSP on both channels, MyOrg3MSP (the restricted
// organization) a member of yourchannel only. No channel file: the facade takes that membership from the network's
// facade.env, as it does for someone following the README.
const topology: Topology = DEFAULT_TOPOLOGY;

describeConformance('distributed (Fabric)', async () => {
  await ensureFabricNetwork();
  const server = await startServer({
    // One endorsement at a time per organization and channel (default 2): the concurrent scenarios then also go
    // through batch transactions, while the sequential ones still travel alone.
    env: { ORCHESTRATOR_MODE: 'distributed', ORCHESTRATOR_FABRIC_MAX_ENDORSING: '1' },
    startTimeoutMs: 120_000,
  });
  return { address: server.address, stop: server.stop, topology };
});

// The conformance suite against the distributed deployment: the facade forwarding every call to the orchestrator
// chaincode on the native Fabric network (brought up, or reused, by network/up.sh).
import { CONNECTION_PROFILE_PATH, ensureFabricNetwork } from '../support/fabric-network.js';
import { startServer } from '../support/server.js';
import { DEFAULT_TOPOLOGY, type Topology } from './context.js';
import { describeConformance } from './suite.js';

// The network's topology is the default one: MyOrg1MSP and MyOrg2MSP on both channels, MyOrg3MSP (the restricted
// organization) a member of yourchannel only. No channel file: the facade takes that membership from the network's
// facade.env, as it does for someone following the README.
// With ORCHESTRATOR_NETWORK_TOPOLOGY=hosts (vitest project "hosts": each organization and the orderer in a network
// namespace of its own) the facade reads the network's connection profile instead of facade.env.
const topology: Topology = DEFAULT_TOPOLOGY;
const fabricSource =
  process.env.ORCHESTRATOR_NETWORK_TOPOLOGY === 'hosts'
    ? { ORCHESTRATOR_FABRIC_CONNECTION_PROFILE: CONNECTION_PROFILE_PATH }
    : {};

const name =
  process.env.ORCHESTRATOR_NETWORK_TOPOLOGY === 'hosts'
    ? 'distributed (Fabric, hosts topology)'
    : 'distributed (Fabric)';

describeConformance(name, async () => {
  await ensureFabricNetwork();
  const server = await startServer({
    // One endorsement at a time per organization and channel (default 2): the concurrent scenarios then also go
    // through batch transactions, while the sequential ones still travel alone.
    env: { ORCHESTRATOR_MODE: 'distributed', ORCHESTRATOR_FABRIC_MAX_ENDORSING: '1', ...fabricSource },
    startTimeoutMs: 120_000,
  });
  return { address: server.address, stop: server.stop, topology };
});

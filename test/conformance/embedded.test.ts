// The conformance suite against the embedded deployment: the orchestrator process on LevelDB in a data folder.
import { startServer } from '../support/server.js';
import { channelConfigFor, DEFAULT_TOPOLOGY } from './context.js';
import { describeConformance } from './suite.js';

describeConformance('embedded (LevelDB)', async () => {
  const server = await startServer({ channels: channelConfigFor(DEFAULT_TOPOLOGY) });
  return { address: server.address, stop: server.stop };
});

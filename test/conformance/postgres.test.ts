// The conformance suite against the standalone deployment: the orchestrator process on a real PostgreSQL server.
import { startTestPostgres } from '../support/postgres.js';
import { startServer } from '../support/server.js';
import { channelConfigFor, DEFAULT_TOPOLOGY } from './context.js';
import { describeConformance } from './suite.js';

describeConformance('standalone (PostgreSQL)', async () => {
  const postgres = await startTestPostgres();
  try {
    const server = await startServer({
      channels: channelConfigFor(DEFAULT_TOPOLOGY),
      env: { ORCHESTRATOR_DATABASE_URL: postgres.url },
    });
    return {
      address: server.address,
      stop: async () => {
        await server.stop();
        await postgres.stop();
      },
    };
  } catch (err) {
    await postgres.stop();
    throw err;
  }
});

'use strict';
// Probe chaincode for the native test network (network/deploy.sh runs it with
// `fabric-chaincode-node server --module-path network/noop-chaincode`).
// It does as little as a transaction can, so it is also the throughput ceiling that benchmarks
// compare the orchestrator chaincode against. CommonJS because fabric-shim loads it with require();
// fabric-contract-api resolves from the repository's root node_modules.
/* eslint-disable @typescript-eslint/no-require-imports */
/* global require, module, Buffer */
const { Contract } = require('fabric-contract-api');

class NoopContract extends Contract {
  constructor() {
    super('noop');
  }

  /** Does nothing: measures the cost of endorsement, ordering and validation alone. */
  async Noop() {}

  /** Writes value under key and emits a chaincode event named 'probe' whose payload is value. */
  async Put(ctx, key, value) {
    const bytes = Buffer.from(value, 'utf8');
    await ctx.stub.putState(key, bytes);
    ctx.stub.setEvent('probe', bytes);
  }

  /** Returns the value stored under key, or '' when there is none. */
  async Get(ctx, key) {
    const bytes = await ctx.stub.getState(key);
    return Buffer.from(bytes ?? []).toString('utf8');
  }
}

module.exports.contracts = [NoopContract];

// The standard grpc.health.v1.Health service: "" (the whole server) and each orchestrator service. It answers
// without mspid/channel headers (it is registered outside the orchestrator pipeline) so probes need no identity.
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import type { Server } from '@grpc/grpc-js';

export class Health {
  private readonly impl: HealthImplementation;

  constructor(private readonly serviceNames: readonly string[]) {
    // NOT_SERVING until the backend is ready and the port is bound.
    this.impl = new HealthImplementation(Object.fromEntries(['', ...serviceNames].map((s) => [s, 'NOT_SERVING'])));
  }

  addToServer(server: Server): void {
    this.impl.addToServer(server);
  }

  setAll(status: ServingStatus): void {
    for (const name of ['', ...this.serviceNames]) this.impl.setStatus(name, status);
  }
}

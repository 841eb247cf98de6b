// Every service of package orchestrator, registered from the RPC table through the generic adapter: one handler
// factory per RPC kind, nothing per RPC.
import type { DescService } from '@bufbuild/protobuf';
import type { Server, UntypedServiceImplementation } from '@grpc/grpc-js';
import { rpcByPath, services, type Rpc } from '../../lib/api/index.js';
import { methodPath, serverDefinition } from './adapter.js';
import { eventStreamHandler, unaryHandler, unimplementedHandler, type PipelineDeps } from './pipeline.js';

function handlerFor(rpc: Rpc, deps: PipelineDeps): UntypedServiceImplementation[string] {
  return rpc.kind === 'unary' ? unaryHandler(rpc, deps) : eventStreamHandler(rpc, deps);
}

function implementation(service: DescService, deps: PipelineDeps): UntypedServiceImplementation {
  return Object.fromEntries(
    service.methods.map((m) => {
      const rpc = rpcByPath(methodPath(m));
      return [m.name, rpc ? handlerFor(rpc, deps) : unimplementedHandler(methodPath(m))];
    }),
  );
}

/** Registers the 13 orchestrator services; returns their full names (for health). */
export function addOrchestratorServices(server: Server, deps: PipelineDeps): string[] {
  for (const service of services) server.addService(serverDefinition(service), implementation(service, deps));
  return services.map((s) => s.typeName);
}

// `orchestrator`: the operator's command line. `serve` runs the server (what `npm start` runs); the other commands
// are clients of a running server, speaking the public gRPC API, so they work against any server that speaks
// Substra's API, in any mode. Errors are one line and a non-zero exit.
import { Command, InvalidArgumentError, Option } from 'commander';
import { OrchestratorConnection, type ConnectionOptions } from './client.js';
import { EVENT_KIND_NAMES, tailEvents } from './events.js';
import { exportToFile, importFromFile } from './migrate.js';
import { loadPlanGraph, PLAN_FORMATS, renderPlan, type PlanFormat } from './plan.js';
import { Progress } from './progress.js';

interface CommonFlags {
  address: string;
  mspid: string;
  channel: string;
  tls?: boolean;
  caCert?: string;
  cert?: string;
  key?: string;
}

function connectionOptions(flags: CommonFlags): ConnectionOptions {
  const tls = flags.tls || flags.caCert || flags.cert || flags.key;
  if ((flags.cert === undefined) !== (flags.key === undefined)) {
    throw new InvalidArgumentError('--cert and --key go together (mutual TLS)');
  }
  return {
    address: flags.address,
    mspid: flags.mspid,
    channel: flags.channel,
    tls: tls ? { caCertPath: flags.caCert, certPath: flags.cert, keyPath: flags.key } : undefined,
  };
}

/** Runs a client command with a connection, closing it whatever happens. */
async function withConnection<T>(flags: CommonFlags, run: (connection: OrchestratorConnection) => Promise<T>) {
  const connection = new OrchestratorConnection(connectionOptions(flags));
  try {
    return await run(connection);
  } finally {
    connection.close();
  }
}

/** The flags every client command takes, with the server's own defaults. */
function clientCommand(program: Command, name: string): Command {
  return program
    .command(name)
    .option('--address <host:port>', 'the orchestrator to talk to', '127.0.0.1:9000')
    .option('--mspid <id>', 'the organization to speak as (mspid header)', 'MyOrg1MSP')
    .option('--channel <name>', 'the channel (channel header)', 'mychannel')
    .option('--tls', 'connect with TLS (implied by the three flags below)')
    .option('--ca-cert <path>', 'PEM of the CA that signed the server certificate')
    .option('--cert <path>', 'PEM client certificate, for a server with mutual TLS')
    .option('--key <path>', 'PEM key of --cert');
}

export function buildProgram(out: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Command {
  const program = new Command('orchestrator')
    .description("The ledger of a federated-learning platform, wire-compatible with Substra's orchestrator 1.0")
    .showHelpAfterError('(add --help for usage)');

  program
    .command('serve')
    .description('run the server (configured by ORCHESTRATOR_* variables; what `npm start` runs)')
    .action(async () => {
      await import('../main.js');
    });

  const events = program.command('events').description('the event stream');
  clientCommand(events, 'tail')
    .description('follow SubscribeToEvents: one line per event (NDJSON with --json); stop with Ctrl-C')
    .option('--from <event id>', 'resume after this event (default: the whole history)', '')
    .addOption(
      new Option('--kind <kind...>', 'only these event kinds').choices(EVENT_KIND_NAMES as string[]).default([]),
    )
    .option('--json', 'one JSON object per line (NDJSON)', false)
    .action(async (flags: CommonFlags & { from: string; kind: string[]; json: boolean }) => {
      const stop = new AbortController();
      const abort = (): void => stop.abort();
      process.once('SIGINT', abort);
      process.once('SIGTERM', abort);
      try {
        await withConnection(flags, (connection) =>
          tailEvents(connection, { from: flags.from, kinds: flags.kind, json: flags.json }, out, stop.signal),
        );
      } finally {
        process.removeListener('SIGINT', abort);
        process.removeListener('SIGTERM', abort);
      }
    });

  const plan = program.command('plan').description('compute plans');
  clientCommand(plan, 'show')
    .description("a plan's task graph with each task's status: a table, or a Mermaid or DOT graph coloured by status")
    .argument('<key>', 'the plan key')
    .addOption(new Option('--format <format>', 'output').choices(PLAN_FORMATS as string[]).default('table'))
    .action(async (key: string, flags: CommonFlags & { format: PlanFormat }) => {
      const graph = await withConnection(flags, (connection) => loadPlanGraph(connection, key));
      out(renderPlan(graph, flags.format));
    });

  clientCommand(program, 'export')
    .description(
      "write the channel's whole ledger (every asset and the event history) to a file, through the public API",
    )
    .requiredOption('--out <file>', 'the ledger file to write (NDJSON, docs/ledger-file.md)')
    .action(async (flags: CommonFlags & { out: string }) => {
      const manifest = await withConnection(flags, (connection) => exportToFile(connection, flags.out, new Progress()));
      const total = Object.values(manifest.counts).reduce((a, b) => a + b, 0);
      out(`exported ${manifest.channel}: ${total} records to ${flags.out} (sha256 ${manifest.sha256})`);
    });

  clientCommand(program, 'import')
    .description(
      'load a ledger file written by export into an empty channel (server started with ORCHESTRATOR_ALLOW_IMPORT=true)',
    )
    .requiredOption('--in <file>', 'the ledger file to read')
    .action(async (flags: CommonFlags & { in: string }) => {
      const counts = await withConnection(flags, (connection) => importFromFile(connection, flags.in, new Progress()));
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      out(`imported ${total} records into ${flags.channel}`);
    });

  return program;
}

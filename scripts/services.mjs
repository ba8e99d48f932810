// The services of the system and their compiled entry points.

/**
 * V8's heap settings the services run with (the Docker image's NODE_OPTIONS, `npm start`, the benchmarks; a
 * NODE_OPTIONS of your own replaces them). Left to itself V8 lets a busy process's heap grow far past what it
 * keeps alive: under the pipeline bench's burst the messaging service peaked at ~315 MB and the worker ~265 MB;
 * with young-generation semi-spaces of 2 MB and the old generation capped at 160 MB they stay under ~150 MB at
 * the same throughput (docs/benchmarks.md, "Memory"). A process whose live heap would pass the cap stops (out of memory)
 * and is restarted by its supervisor, losing nothing accepted: raise it for unusually large webhook batches.
 */
export const SERVICE_NODE_OPTIONS = '--max-old-space-size=160 --max-semi-space-size=2';

/**
 * The same, with young-generation semi-spaces of 4 MB, for the two services every step passes through
 * (whatsapp-messaging and the worker; the Docker image's targets for them too). Each allocates ~300 KB per step:
 * with 2 MB semi-spaces a scavenge comes every ~20 ms under load, so most of what a step holds across its awaits
 * is promoted and then marked with the whole heap by the next major GC. With 4 MB they spent ~10% less CPU per
 * step in five alternating pairs, for ~6–9 MB more peak RSS each (docs/benchmarks.md, "Young generations of
 * 4 MB"). The other services stay at 2 MB: they are idle most of the time.
 */
export const BUSY_SERVICE_NODE_OPTIONS = '--max-old-space-size=160 --max-semi-space-size=4';

export const SERVICES = [
  {
    name: 'connections',
    entry: 'dist/services/connections/src/main.js',
    portVar: 'CONNECTIONS_PORT',
    port: 3001,
  },
  {
    name: 'flow-definition',
    entry: 'dist/services/flow-definition/src/main.js',
    portVar: 'FLOW_DEFINITION_PORT',
    port: 3002,
  },
  {
    name: 'worker',
    entry: 'dist/services/worker/src/main.js',
    portVar: 'WORKER_PORT',
    port: 3003,
    nodeOptions: BUSY_SERVICE_NODE_OPTIONS,
  },
  {
    name: 'whatsapp-messaging',
    entry: 'dist/services/whatsapp-messaging/src/main.js',
    portVar: 'WHATSAPP_MESSAGING_PORT',
    port: 3004,
    nodeOptions: BUSY_SERVICE_NODE_OPTIONS,
  },
];

/** The NODE_OPTIONS a service runs with (see above). */
export const nodeOptionsOf = (name) =>
  SERVICES.find((s) => s.name === name)?.nodeOptions ?? SERVICE_NODE_OPTIONS;

// Services that own migrations, with the command that applies them.
export const MIGRATIONS = [
  { name: 'connections', args: ['dist/services/connections/src/cli.js', 'migrate'] },
  { name: 'flow-definition', args: ['dist/services/flow-definition/src/cli.js', 'migrate'] },
  { name: 'worker', args: ['dist/services/worker/src/cli.js', 'migrate'] },
  { name: 'whatsapp-messaging', args: ['dist/services/whatsapp-messaging/src/cli.js', 'migrate'] },
];

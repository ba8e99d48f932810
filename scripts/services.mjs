// The services of the system and their compiled entry points.
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
  { name: 'worker', entry: 'dist/services/worker/src/main.js', portVar: 'WORKER_PORT', port: 3003 },
  {
    name: 'whatsapp-messaging',
    entry: 'dist/services/whatsapp-messaging/src/main.js',
    portVar: 'WHATSAPP_MESSAGING_PORT',
    port: 3004,
  },
];

// Services that own migrations, with the command that applies them.
export const MIGRATIONS = [
  { name: 'connections', args: ['dist/services/connections/src/cli.js', 'migrate'] },
  { name: 'flow-definition', args: ['dist/services/flow-definition/src/cli.js', 'migrate'] },
  { name: 'worker', args: ['dist/services/worker/src/cli.js', 'migrate'] },
  { name: 'whatsapp-messaging', args: ['dist/services/whatsapp-messaging/src/cli.js', 'migrate'] },
];

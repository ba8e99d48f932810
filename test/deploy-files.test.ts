import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { parse } from 'yaml';
import { ConnectionsConfig } from '../services/connections/src/connections.config';
import { FlowDefinitionConfig } from '../services/flow-definition/src/flow-definition.config';
import { WhatsappMessagingConfig } from '../services/whatsapp-messaging/src/whatsapp-messaging.config';
import { WorkerConfig } from '../services/worker/src/worker.config';

// There is no Docker engine on the build machines: these files are checked by reading them.
const ROOT = join(__dirname, '..');
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');
const SERVICES = ['connections', 'flow-definition', 'worker', 'whatsapp-messaging'];

interface ComposeService {
  build?: { target: string };
  command?: string[];
  healthcheck?: unknown;
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
}

describe('deployment files', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as {
    services: Record<string, ComposeService>;
  };

  it('compose runs Redis with AOF and noeviction, Postgres with a health check', () => {
    const redis = compose.services.redis.command!.join(' ');
    expect(redis).toContain('--appendonly yes');
    expect(redis).toContain('--maxmemory-policy noeviction');
    expect(compose.services.redis.healthcheck).toBeDefined();
    expect(compose.services.postgres.healthcheck).toBeDefined();
  });

  it('compose runs every service after a one-shot migration, with health checks', () => {
    expect(compose.services.migrate.build?.target).toBe('migrate');
    for (const name of SERVICES) {
      const service = compose.services[name];
      expect(service.build?.target).toBe(name);
      expect(service.healthcheck).toBeDefined();
      expect(service.depends_on?.migrate).toEqual({ condition: 'service_completed_successfully' });
    }
    expect(compose.services.worker.ports).toBeUndefined();
  });

  it('the Dockerfile has a target for every service and the migration', () => {
    const targets = [...read('Dockerfile').matchAll(/^FROM \S+ AS (\S+)$/gm)].map((m) => m[1]);
    expect(targets).toEqual(expect.arrayContaining([...SERVICES, 'migrate']));
    for (const name of SERVICES) expect(read('Dockerfile')).toContain(`dist/services/${name}/src/main.js`);
    // The migration image applies every schema `npm run migrate` applies.
    const migrate = read('Dockerfile').split('AS migrate')[1].split('\nFROM ')[0];
    const entries = [...read('scripts/services.mjs').matchAll(/args: \['([^']+)', 'migrate'\]/g)].map(
      (m) => m[1],
    );
    expect(entries).toEqual([
      'dist/services/connections/src/cli.js',
      'dist/services/flow-definition/src/cli.js',
      'dist/services/worker/src/cli.js',
      'dist/services/whatsapp-messaging/src/cli.js',
    ]);
    for (const entry of entries) expect(migrate).toContain(`node ${entry} migrate`);
  });

  it('.env.example lists every variable a service reads', () => {
    const listed = new Set([...read('.env.example').matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    const declared = [ConnectionsConfig, FlowDefinitionConfig, WorkerConfig, WhatsappMessagingConfig].flatMap(
      (schema) =>
        getMetadataStorage()
          .getTargetValidationMetadatas(schema, '', true, false)
          .map((m) => m.propertyName),
    );
    const missing = [...new Set(declared)].filter((name) => !listed.has(name));
    expect(missing).toEqual([]);
  });
});

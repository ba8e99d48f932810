import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { contactPartition, NavigationJobName, navigationQueue } from '@flowbridge/contracts';
import {
  JobAuth,
  redisOptionsFromUrl,
  runMigrations,
  SecretBox,
  TEST_INTERNAL_KEY,
} from '@flowbridge/platform';
import { createTestDatabase, type TestDatabase, testRedisUrl, until } from '@flowbridge/testing';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import { CONNECTIONS_MIGRATIONS, CONNECTIONS_SCHEMA } from '../services/connections/src/migrations';
import { MESSAGING_MIGRATIONS, MESSAGING_SCHEMA } from '../services/whatsapp-messaging/src/migrations';
import { startSandbox } from '../tools/sandbox/src/sandbox';
import { sign, textMessage, webhookBody } from '../tools/sandbox/src/webhook-bodies';
import { entry, freePort, newKey, runToEnd, ServiceProcess, type ServiceName } from './service-process';

describe('services as processes', () => {
  let db: TestDatabase;
  const started: ServiceProcess[] = [];

  beforeAll(async () => {
    if (!existsSync(entry('connections')))
      throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
    db = await createTestDatabase('processes');
    await runMigrations({
      databaseUrl: db.url,
      appUrl: db.appUrl,
      service: 'connections',
      schema: CONNECTIONS_SCHEMA,
      migrations: CONNECTIONS_MIGRATIONS,
    });
  });

  afterAll(async () => {
    for (const p of started) p.kill('SIGKILL');
    await db?.drop();
  });

  const rpcNamespace = `fbtest-processes-${randomBytes(4).toString('hex')}`;
  const baseEnv = (): NodeJS.ProcessEnv => ({
    NODE_ENV: 'test',
    DATABASE_URL: db.appUrl,
    REDIS_URL: testRedisUrl(),
    DATABASE_POOL_SIZE: '6',
    NAVIGATION_PARTITIONS: '2',
    RPC_NAMESPACE: rpcNamespace,
  });

  async function start(service: ServiceName, env: NodeJS.ProcessEnv = {}): Promise<ServiceProcess> {
    const proc = await ServiceProcess.launch(service, { ...baseEnv(), ...env });
    started.push(proc);
    await proc.ready();
    return proc;
  }

  it('refuses to start on a missing or malformed variable, naming it, with exit code 78', async () => {
    const missing = await runToEnd([entry('connections')], baseEnv());
    expect(missing.code).toBe(78);
    expect(missing.stderr).toContain('ENCRYPTION_KEYS');
    const malformed = await runToEnd([entry('worker')], {
      ...baseEnv(),
      DATABASE_URL: 'mysql://nope',
      WORKER_PORT: 'eighty',
    });
    expect(malformed.code).toBe(78);
    expect(malformed.stderr).toContain('DATABASE_URL: must be a postgres:// connection URL');
    expect(malformed.stderr).toContain('WORKER_PORT');
  });

  it.each<[ServiceName, NodeJS.ProcessEnv]>([
    ['flow-definition', {}],
    ['worker', {}],
    ['whatsapp-messaging', { ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}` }],
  ])('boots %s with health, metrics and JSON logs, and stops cleanly on SIGTERM', async (service, env) => {
    const proc = await start(service, env);
    expect((await fetch(proc.url('/health/live'))).status).toBe(200);
    const metrics = await (await fetch(proc.url('/metrics'))).text();
    expect(metrics).toContain(`service="${service}"`);
    proc.kill('SIGTERM');
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    const lines = proc.output
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'));
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(
      expect.arrayContaining(['shutdown started', 'shutdown complete']),
    );
  });

  it('[D4] warns at start-up when DATABASE_URL is a superuser, whom row-level security does not hold', async () => {
    const rlsWarnings = (proc: ServiceProcess) =>
      proc.output
        .join('')
        .split('\n')
        .filter((l) => l.includes('row-level security does not apply'));
    // As the role of its own that migrating created: nothing to say.
    const own = await start('flow-definition');
    own.kill('SIGTERM');
    await own.exited;
    expect(rlsWarnings(own)).toEqual([]);
    const superuser = await start('flow-definition', { DATABASE_URL: db.url });
    superuser.kill('SIGTERM');
    await superuser.exited;
    const [warning] = rlsWarnings(superuser);
    expect(warning).toContain('connects as postgres, a superuser');
    expect(warning).toContain('DATABASE_MIGRATION_URL');
  });

  it('turns readiness red while draining, keeps liveness green, then exits 0', async () => {
    const proc = await start('flow-definition', { SHUTDOWN_DRAIN_DELAY_MS: '1500' });
    proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    const ready = await fetch(proc.url('/health/ready'));
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ code: 'SERVICE_UNAVAILABLE', message: 'Not ready: shutting down' });
    expect((await fetch(proc.url('/health/live'))).status).toBe(200);
    expect(await proc.exited).toEqual({ code: 0, signal: null });
  });

  it('boots while Redis is unreachable, stays live and reports not ready', async () => {
    const port = await freePort();
    const deadRedis = `redis://127.0.0.1:${await freePort()}`;
    const proc = new ServiceProcess(
      entry('worker'),
      { ...baseEnv(), REDIS_URL: deadRedis, WORKER_PORT: String(port) },
      port,
    );
    started.push(proc);
    // It listens once it has waited 5 s for Redis to check its durability (then checks it when Redis comes):
    // ~8 s on an idle machine, more on a loaded CI runner, so the wait is a deadline well past that.
    let ready: Response | null = null;
    for (const deadline = Date.now() + 30_000; !ready && Date.now() < deadline;) {
      ready = await fetch(proc.url('/health/ready')).catch(() => null);
      if (!ready) await new Promise((r) => setTimeout(r, 100));
    }
    expect(ready?.status).toBe(503);
    expect(await ready?.json()).toEqual({ code: 'SERVICE_UNAVAILABLE', message: 'Not ready: redis down' });
    expect((await fetch(proc.url('/health/live'))).status).toBe(200);
    proc.kill('SIGTERM');
    expect((await proc.exited).code).toBe(0);
    const warnings = proc.output
      .join('')
      .split('\n')
      .filter((l) => l.includes('Redis unreachable'));
    expect(warnings).toHaveLength(1);
  }, 60_000);

  it('[D3] CLI: creates a workspace key the service accepts, then revokes it', async () => {
    const keys = `k1:${newKey()}`;
    const proc = await start('connections', { ENCRYPTION_KEYS: keys });
    const created = await runToEnd(
      [entry('connections', 'cli.js'), 'keys:create', '--workspace', 'acme', '--name', 'ci'],
      baseEnv(),
    );
    expect(created.code).toBe(0);
    const key = /^(fb_\S+)$/m.exec(created.stdout)?.[1];
    const id = /Created key ([0-9a-f-]{36})/.exec(created.stdout)?.[1];
    expect(key).toBeDefined();
    const list = (k: string): Promise<Response> =>
      fetch(proc.url('/connections'), { headers: { authorization: `Bearer ${k}` } });
    expect((await list(key!)).status).toBe(200);

    const listed = await runToEnd(
      [entry('connections', 'cli.js'), 'keys:list', '--workspace', 'acme'],
      baseEnv(),
    );
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).not.toContain(key);

    const revoked = await runToEnd([entry('connections', 'cli.js'), 'keys:revoke', '--id', id!], baseEnv());
    expect(revoked.code).toBe(0);
    expect((await list(key!)).status).toBe(401);
    proc.kill('SIGTERM');
    expect((await proc.exited).code).toBe(0);
  });

  it('finishes a request that is in flight when SIGTERM arrives, then exits 0', async () => {
    const adminKey = `fb_seed_${randomBytes(16).toString('hex')}`;
    const proc = await start('connections', {
      ENCRYPTION_KEYS: `k1:${newKey()}`,
      ADMIN_API_KEY: adminKey,
      ADMIN_WORKSPACE: 'inflight',
    });
    const body = JSON.stringify({ title: 'Sent during shutdown', baseUrl: 'https://api.example.com' });
    const answered = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(proc.url('/connections'), {
        method: 'POST',
        headers: {
          authorization: `Bearer ${adminKey}`,
          'content-type': 'application/json',
          'content-length': body.length,
        },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      // Half the body now, SIGTERM, the rest later: the request is in flight across the signal.
      req.write(body.slice(0, 10));
      setTimeout(() => proc.kill('SIGTERM'), 200);
      setTimeout(() => req.end(body.slice(10)), 700);
    });
    const res = await answered;
    expect(res.status).toBe(201);
    expect(JSON.parse(res.text)).toMatchObject({ title: 'Sent during shutdown' });
    expect(await proc.exited).toEqual({ code: 0, signal: null });
  });

  it('[D7] CLI: secrets:rotate re-encrypts every secret with the new first key', async () => {
    const oldKey = newKey();
    const adminKey = `fb_seed_${randomBytes(16).toString('hex')}`;
    const proc = await start('connections', {
      ENCRYPTION_KEYS: `old:${oldKey}`,
      ADMIN_API_KEY: adminKey,
      ADMIN_WORKSPACE: 'rotation',
    });
    const res = await fetch(proc.url('/connections'), {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        title: 'To rotate',
        baseUrl: 'https://api.example.com',
        auth: { type: 'bearer', token: 'rotate-this-token-please' },
        headers: { 'x-signing': { secret: 'rotate-this-header' } },
      }),
    });
    expect(res.status).toBe(201);
    proc.kill('SIGTERM');
    await proc.exited;

    const newKeyB64 = newKey();
    const ring = `new:${newKeyB64},old:${oldKey}`;
    const dry = await runToEnd([entry('connections', 'cli.js'), 'secrets:rotate', '--dry-run'], {
      ...baseEnv(),
      ENCRYPTION_KEYS: ring,
    });
    expect(dry.stdout).toContain('would re-encrypt 2 secret(s) in 1 connection(s)');
    const rotated = await runToEnd([entry('connections', 'cli.js'), 'secrets:rotate'], {
      ...baseEnv(),
      ENCRYPTION_KEYS: ring,
    });
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toContain(
      're-encrypted 2 secret(s) in 1 connection(s) and 0 API(s) with key "new"',
    );
    const again = await runToEnd([entry('connections', 'cli.js'), 'secrets:rotate'], {
      ...baseEnv(),
      ENCRYPTION_KEYS: ring,
    });
    expect(again.stdout).toContain('re-encrypted 0 secret(s)');

    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{
        id: string;
        workspace_id: string;
        auth_secrets: Record<string, never>;
      }>(`SELECT id, workspace_id, auth_secrets FROM connections.connections WHERE title = 'To rotate'`);
      const sealed = rows[0].auth_secrets.token;
      expect(sealed).toMatchObject({ kid: 'new' });
      // Only the new key is needed from now on.
      const onlyNew = new SecretBox(`new:${newKeyB64}`);
      expect(
        onlyNew.open(sealed, `flowbridge/${rows[0].workspace_id}/connection/${rows[0].id}/auth.token`),
      ).toBe('rotate-this-token-please');
    } finally {
      await client.end();
    }
  });

  it('[issue 17] secrets:rotate re-seals channel tokens and app secrets: with the old key dropped, webhooks and sends still work', async () => {
    await runMigrations({
      databaseUrl: db.url,
      appUrl: db.appUrl,
      service: 'whatsapp-messaging',
      schema: MESSAGING_SCHEMA,
      migrations: MESSAGING_MIGRATIONS,
    });
    const phone = {
      phoneNumberId: '190000000001',
      displayPhoneNumber: '15550001901',
      wabaId: '290000000001',
    };
    const appSecret = `rotate-app-secret-${randomBytes(6).toString('hex')}`;
    const accessToken = `EAAG-rotate-${randomBytes(6).toString('hex')}`;
    const sandbox = await startSandbox({
      webhookUrl: 'http://127.0.0.1:9/unset',
      numbers: [{ ...phone, appSecret, accessToken }],
    });
    const queuePrefix = `fbtest-rot-${randomBytes(3).toString('hex')}`;
    const adminKey = `fb_seed_${randomBytes(16).toString('hex')}`;
    const oldKey = newKey();
    const newKeyB64 = newKey();
    const env = (keys: string) => ({
      ENCRYPTION_KEYS: keys,
      ADMIN_API_KEY: adminKey,
      ADMIN_WORKSPACE: 'rotation',
      GRAPH_API_BASE_URL: sandbox.url,
      QUEUE_PREFIX: queuePrefix,
    });
    try {
      const before = await start('whatsapp-messaging', env(`old:${oldKey}`));
      const created = await fetch(before.url('/channels'), {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...phone, accessToken, appSecret, verifyToken: 'rotate-verify' }),
      });
      expect(created.status).toBe(201);
      const channelId = ((await created.json()) as { id: string }).id;
      before.kill('SIGTERM');
      await before.exited;

      const cli = [entry('whatsapp-messaging', 'cli.js'), 'secrets:rotate'];
      const ring = { ...baseEnv(), ENCRYPTION_KEYS: `new:${newKeyB64},old:${oldKey}` };
      expect((await runToEnd([...cli, '--dry-run'], ring)).stdout).toContain(
        'would re-encrypt 2 secret(s) in 1 channel(s)',
      );
      const rotated = await runToEnd(cli, ring);
      expect(rotated.code).toBe(0);
      expect(rotated.stdout).toContain('re-encrypted 2 secret(s) in 1 channel(s) with key "new"');
      expect((await runToEnd(cli, ring)).stdout).toContain('re-encrypted 0 secret(s)');

      // Only the new key from here on.
      const after = await start('whatsapp-messaging', env(`new:${newKeyB64}`));
      const message = textMessage('447700900555', 'after the rotation');
      const raw = JSON.stringify(webhookBody({ ...phone }, { messages: [message] }));
      const hook = await fetch(after.url('/webhooks/whatsapp'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(raw, appSecret) },
        body: raw,
      });
      expect(hook.status).toBe(200);
      expect(await hook.json()).toMatchObject({ messages: 1 });

      const contact = { workspaceId: 'rotation', channelId, waId: '447700900555' };
      const queue = new Queue(navigationQueue(contactPartition(contact, 2)), {
        prefix: queuePrefix,
        connection: redisOptionsFromUrl(testRedisUrl()),
      });
      try {
        const runId = randomUUID();
        const event = {
          version: 1,
          navigationId: `${runId}:1`,
          workspaceId: 'rotation',
          channelId,
          contact: { waId: contact.waId },
          runId,
          flowId: 'flow-1',
          flowVersion: 1,
          screenId: 's',
          seq: 1,
          messages: [{ type: 'text', text: 'sent with the re-sealed token' }],
          emittedAt: new Date().toISOString(),
        };
        const jobId = `nav-${runId}-1`;
        await queue.add(
          NavigationJobName.Navigation,
          new JobAuth(TEST_INTERNAL_KEY).sign(queue.name, NavigationJobName.Navigation, jobId, event),
          { jobId },
        );
        await until(
          'the send with the re-sealed token',
          async () => sandbox.sentTo(contact.waId).length === 1,
        );
        expect(sandbox.attempts.filter((a) => a.to === contact.waId).map((a) => a.httpStatus)).toEqual([200]);
      } finally {
        await queue.obliterate({ force: true }).catch(() => undefined);
        await queue.close();
      }
    } finally {
      await sandbox.close();
    }
  }, 60_000);
});

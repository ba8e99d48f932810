import { randomBytes } from 'node:crypto';
import { ApiKeysService, SecretBox, Tenancy } from '@flowbridge/platform';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { ChannelEntity } from '../services/whatsapp-messaging/src/channels/channel.entity';
import { ChannelFlowKeys } from '../services/whatsapp-messaging/src/channels/channel-flow-keys';
import { aad, ChannelsService } from '../services/whatsapp-messaging/src/channels/channels.service';
import { rotateChannelSecrets } from '../services/whatsapp-messaging/src/channels/rotate-channel-secrets';
import { decryptFlowRequest } from '../services/whatsapp-messaging/src/flows-endpoint/endpoint-crypto';
import { sealFlowRequest } from '../tools/sandbox/src/flows-client';
import { type Sandbox, startSandbox } from '../tools/sandbox/src/sandbox';
import { type MessagingHarness, startMessaging } from './messaging-app';

/** A data-endpoint request sealed to `publicKeyPem` as WhatsApp seals it. */
const sealedTo = (publicKeyPem: string, payload: object) => sealFlowRequest(publicKeyPem, payload).body;

describe('[issue 19] each channel’s key pair for the WhatsApp Flows data endpoint', () => {
  let svc: MessagingHarness & { shared: { encryptionKeys: string } };
  let sandbox: Sandbox;
  let channelId: string;
  const number = { phoneNumberId: '130000000001', displayPhoneNumber: '+1 555 0130', wabaId: '230000000001' };
  const accessToken = 'EAAG-flow-keys-token';

  beforeAll(async () => {
    sandbox = await startSandbox({
      webhookUrl: 'http://127.0.0.1:9/unset',
      numbers: [{ ...number, appSecret: 'flow-keys-app-secret', accessToken }],
    });
    svc = await startMessaging('flow_keys', { env: { GRAPH_API_BASE_URL: sandbox.url } });
    const created = await svc.call('post', '/channels', {
      ...number,
      accessToken,
      appSecret: 'flow-keys-app-secret',
      verifyToken: 'flow-keys-verify',
    });
    expect(created.status).toBe(201);
    channelId = created.body.id;
  });

  afterAll(async () => {
    await svc?.close();
    await sandbox?.close();
  });

  /** The channel's private key as the data endpoint will open it. */
  const privateKey = () =>
    Tenancy.forWorkspace('ws-a', async () => {
      const channel = await svc.app.get(ChannelsService).find('ws-a', channelId);
      return svc.app.get(ChannelFlowKeys).privateKeyOf(channel);
    });

  it('makes a pair, uploads the public key to the Cloud API and keeps the private key sealed, never shown', async () => {
    expect((await svc.call('get', `/channels/${channelId}`)).body.flowKeyUploadedAt).toBeNull();
    expect(await privateKey()).toBeNull();
    const made = await svc.call('post', `/channels/${channelId}/flow-key`);
    expect(made.status).toBe(200);
    expect(made.body).toEqual({
      channelId,
      publicKey: expect.stringMatching(/^-----BEGIN PUBLIC KEY-----/),
      fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
      uploadedAt: expect.any(String),
    });
    // What Meta holds is what the API shows.
    expect(sandbox.numbers.get(number.phoneNumberId)?.businessPublicKey).toBe(made.body.publicKey);
    // WhatsApp's requests, sealed to the uploaded key, open with the stored private key.
    const key = await privateKey();
    expect(decryptFlowRequest(sealedTo(made.body.publicKey, { action: 'ping' }), key!).payload).toEqual({
      action: 'ping',
    });
    // Sealed at rest: the row holds no PEM; no answer of the API carries the private key.
    const owner = new pg.Client({ connectionString: svc.db.url });
    await owner.connect();
    const { rows } = await owner
      .query<{ sealed: string }>(
        'SELECT flow_private_key::text AS sealed FROM whatsapp_messaging.channels WHERE id = $1',
        [channelId],
      )
      .finally(() => owner.end());
    expect(rows[0].sealed).toMatch(/"kid"/);
    expect(rows[0].sealed).not.toMatch(/PRIVATE KEY/);
    // Not one line of the key in clear (a random run of base64 could hold "MII"; a 64-character line cannot).
    const pem = key!.export({ type: 'pkcs8', format: 'pem' }) as string;
    for (const line of pem.split('\n').filter((l) => l.length === 64))
      expect(rows[0].sealed).not.toContain(line);
    const shown = await svc.call('get', `/channels/${channelId}`);
    expect(shown.body.flowKeyUploadedAt).toBe(made.body.uploadedAt);
    expect(JSON.stringify(shown.body)).not.toMatch(/PRIVATE|flowPrivateKey/);
    expect(JSON.stringify((await svc.call('get', '/channels')).body)).not.toMatch(/PRIVATE/);
  });

  it('shows whether the Cloud API holds this key with a valid signature', async () => {
    const status = await svc.call('get', `/channels/${channelId}/flow-key`);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ signatureStatus: 'VALID', matchesCloudApi: true });
    // Someone replaced the key at Meta: the mismatch shows.
    const held = sandbox.numbers.get(number.phoneNumberId)!;
    const ours = held.businessPublicKey;
    held.businessPublicKey = (await svc.call('post', `/channels/${channelId}/flow-key`)).body.publicKey;
    const fresh = await svc.call('get', `/channels/${channelId}/flow-key`);
    expect(fresh.body.matchesCloudApi).toBe(true);
    held.businessPublicKey = ours;
    expect((await svc.call('get', `/channels/${channelId}/flow-key`)).body.matchesCloudApi).toBe(false);
    // Put back in step for the next tests.
    expect((await svc.call('post', `/channels/${channelId}/flow-key`)).status).toBe(200);
  });

  it('rotating makes a new pair: the old private key no longer opens what WhatsApp seals to the new one', async () => {
    const before = (await svc.call('get', `/channels/${channelId}/flow-key`)).body;
    const oldKey = await privateKey();
    const rotated = await svc.call('post', `/channels/${channelId}/flow-key`);
    expect(rotated.body.fingerprint).not.toBe(before.fingerprint);
    expect(sandbox.numbers.get(number.phoneNumberId)?.businessPublicKey).toBe(rotated.body.publicKey);
    const request = sealedTo(rotated.body.publicKey, { action: 'INIT' });
    expect(decryptFlowRequest(request, (await privateKey())!).payload).toEqual({ action: 'INIT' });
    expect(() => decryptFlowRequest(request, oldKey!)).toThrow(
      expect.objectContaining({ reason: 'undecryptable' }),
    );
  });

  it('a Cloud API that refuses or does not answer changes nothing, and says which (422, 503)', async () => {
    const before = (await svc.call('get', `/channels/${channelId}/flow-key`)).body.fingerprint;
    const held = sandbox.numbers.get(number.phoneNumberId)!;
    held.accessToken = 'a-token-that-is-not-ours';
    const refused = await svc.call('post', `/channels/${channelId}/flow-key`);
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({
      code: 'FLOW_KEY_REFUSED',
      message: expect.stringContaining('Cloud API'),
    });
    held.accessToken = accessToken;
    // The Cloud API down: 503, and nothing stored.
    const port = Number(new URL(sandbox.url).port);
    const numbers = [...sandbox.numbers.values()];
    await sandbox.close();
    const down = await svc.call('post', `/channels/${channelId}/flow-key`);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ code: 'CLOUD_API_UNAVAILABLE' });
    sandbox = await startSandbox({ webhookUrl: 'http://127.0.0.1:9/unset', numbers, port });
    expect((await svc.call('get', `/channels/${channelId}/flow-key`)).body.fingerprint).toBe(before);
  });

  it('another workspace cannot see or rotate the key (404), and the Cloud API is not asked', async () => {
    const other = (await svc.app.get(ApiKeysService).create('ws-b', 'the other tenant')).key;
    const held = sandbox.numbers.get(number.phoneNumberId)?.businessPublicKey;
    expect((await svc.call('get', `/channels/${channelId}/flow-key`, undefined, other)).status).toBe(404);
    expect((await svc.call('post', `/channels/${channelId}/flow-key`, undefined, other)).status).toBe(404);
    expect(sandbox.numbers.get(number.phoneNumberId)?.businessPublicKey).toBe(held);
  });

  it('secrets:rotate re-seals the private key under the new first key; it still opens to the same key', async () => {
    const owner = new DataSource({
      type: 'postgres',
      url: svc.db.url,
      schema: 'whatsapp_messaging',
      entities: [ChannelEntity],
    });
    await owner.initialize();
    try {
      const oldBox = new SecretBox(svc.shared.encryptionKeys);
      const channel = await owner.getRepository(ChannelEntity).findOneByOrFail({ id: channelId });
      const pem = oldBox.open(channel.flowPrivateKey!, aad('ws-a', channelId, 'flowPrivateKey'));
      const newBox = new SecretBox(`k2:${randomBytes(32).toString('base64')},${svc.shared.encryptionKeys}`);
      const report = await rotateChannelSecrets(owner, newBox);
      expect(report).toEqual({ channels: 1, secrets: 3 });
      const after = await owner.getRepository(ChannelEntity).findOneByOrFail({ id: channelId });
      expect(after.flowPrivateKey?.kid).toBe('k2');
      expect(newBox.open(after.flowPrivateKey!, aad('ws-a', channelId, 'flowPrivateKey'))).toBe(pem);
      expect(await rotateChannelSecrets(owner, newBox)).toEqual({ channels: 0, secrets: 0 });
    } finally {
      await owner.destroy();
    }
  });
});

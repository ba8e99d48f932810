import { createHmac, createPrivateKey } from 'node:crypto';
import { FlowTokens } from '@flowbridge/platform';
import { sealFlowRequest } from '../../../../tools/sandbox/src/flows-client';
import { generateFlowKeyPair } from './endpoint-crypto';
import {
  type FlowEndpointChannel,
  type FlowExchange,
  type FlowExchangeAnswer,
  FlowEndpoint,
  flowEndpointRequests,
} from './flow-endpoint';

// The unit test of FlowEndpoint: real keys, real encryption and real tokens; the screen answers (the worker's,
// later) are a stand-in recording what it was asked.

const APP_SECRET = 'flows-app-secret';
let keys: Awaited<ReturnType<typeof generateFlowKeyPair>>;
let channel: FlowEndpointChannel;
beforeAll(async () => {
  keys = await generateFlowKeyPair();
  channel = {
    id: '0b6f1c2e-5d4a-4f7e-9c3b-2a1d0e9f8a7b',
    workspaceId: 'ws-a',
    appSecret: APP_SECRET,
    privateKey: createPrivateKey(keys.privateKeyPem),
  };
});
const tokens = FlowTokens.fromInternalKey('flow-endpoint-spec-key');
const claims = {
  workspaceId: 'ws-a',
  runId: 'run-1',
  formId: 'order_lookup',
  navigationId: 'run-1:3',
  expiresAt: Date.now() + 3_600_000,
};

/** A request as WhatsApp makes it: sealed to the channel's public key and signed with the app secret. */
const request = (payload: object, options: { publicKeyPem?: string; secret?: string } = {}) =>
  sealFlowRequest(options.publicKeyPem ?? keys.publicKeyPem, payload, options.secret ?? APP_SECRET);

function endpoint(answer: FlowExchangeAnswer = { screen: 'FOUND', data: { status: 'shipped' } }) {
  const asked: FlowExchange[] = [];
  const handler = new FlowEndpoint(tokens, async (exchange) => {
    asked.push(exchange);
    return answer;
  });
  return { handler, asked };
}

describe('FlowEndpoint: the WhatsApp Flows data endpoint’s protocol', () => {
  it('answers ping, encrypted under the flipped IV', async () => {
    const { handler } = endpoint();
    const req = request({ version: '3.0', action: 'ping' });
    const answer = await handler.handle(channel, req.raw, req.signature);
    expect(answer).toMatchObject({ status: 200, contentType: 'text/plain' });
    expect(req.open(answer.body)).toEqual({ data: { status: 'active' } });
  });

  it('a missing or wrong signature is 432 with an empty body, before any decryption', async () => {
    const { handler, asked } = endpoint();
    const req = request({ action: 'ping' });
    for (const signature of [
      undefined,
      'sha256=' + '0'.repeat(64),
      request({ action: 'ping' }, { secret: 'x' }).signature,
    ])
      expect(await handler.handle(channel, req.raw, signature)).toEqual({
        status: 432,
        contentType: 'text/plain',
        body: '',
      });
    expect(asked).toEqual([]);
  });

  it('a request it cannot decrypt is 421 (WhatsApp fetches the key again); a channel without a key too', async () => {
    const { handler } = endpoint();
    const other = await generateFlowKeyPair();
    const foreign = request({ action: 'ping' }, { publicKeyPem: other.publicKeyPem });
    expect((await handler.handle(channel, foreign.raw, foreign.signature)).status).toBe(421);
    const req = request({ action: 'ping' });
    expect((await handler.handle({ ...channel, privateKey: null }, req.raw, req.signature)).status).toBe(421);
  });

  it('a body that is not the envelope, or a payload that is not a Flows request, is 400 naming the field', async () => {
    const { handler } = endpoint();
    const sign = (raw: Buffer) => `sha256=${createHmac('sha256', APP_SECRET).update(raw).digest('hex')}`;
    const notJson = Buffer.from('not json');
    expect(await handler.handle(channel, notJson, sign(notJson))).toMatchObject({ status: 400 });
    const envelope = Buffer.from(JSON.stringify({ encrypted_flow_data: 'AAAA' }));
    const missing = await handler.handle(channel, envelope, sign(envelope));
    expect(JSON.parse(missing.body)).toMatchObject({
      code: 'MALFORMED_FLOW_REQUEST',
      field: 'encrypted_aes_key',
    });
    const req = request({ action: 'dance' });
    const bad = await handler.handle(channel, req.raw, req.signature);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ field: 'encrypted_flow_data.action' });
  });

  it('acknowledges an error notification without asking for a screen', async () => {
    const { handler, asked } = endpoint();
    const req = request({
      version: '3.0',
      action: 'data_exchange',
      screen: 'FOUND',
      data: { error: 'INVALID_SCREEN_DATA', error_message: 'status is missing' },
      flow_token: tokens.issue(claims),
    });
    const answer = await handler.handle(channel, req.raw, req.signature);
    expect(req.open(answer.body)).toEqual({ data: { acknowledged: true } });
    expect(asked).toEqual([]);
  });

  it('a token that is missing, forged, expired or another workspace’s closes the form (427, encrypted)', async () => {
    const { handler, asked } = endpoint();
    const [, body, tag] = tokens.issue(claims).split('.');
    const forged = `ft1.${body.slice(0, -2)}AA.${tag}`;
    for (const flow_token of [
      undefined,
      forged,
      FlowTokens.fromInternalKey('another-key').issue(claims),
      tokens.issue({ ...claims, expiresAt: Date.now() - 1 }),
      tokens.issue({ ...claims, workspaceId: 'ws-b' }),
    ]) {
      const req = request({ version: '3.0', action: 'INIT', screen: '', data: {}, flow_token });
      const answer = await handler.handle(channel, req.raw, req.signature);
      expect(answer.status).toBe(427);
      expect(req.open(answer.body)).toEqual({ error_msg: expect.any(String) });
    }
    expect(asked).toEqual([]);
  });

  it('a screen request with a good token is answered with the screen it is given, encrypted', async () => {
    const { handler, asked } = endpoint({ screen: 'FOUND', data: { status: 'shipped' } });
    const count = async () =>
      (await flowEndpointRequests.get()).values.find(
        (v) => v.labels.action === 'data_exchange' && v.labels.status === '200',
      )?.value ?? 0;
    const before = await count();
    const req = request({
      version: '3.0',
      action: 'data_exchange',
      screen: 'ORDER',
      data: { order_id: 'A-1001' },
      flow_token: tokens.issue(claims),
    });
    const answer = await handler.handle(channel, req.raw, req.signature);
    expect(answer.status).toBe(200);
    expect(req.open(answer.body)).toEqual({ version: '3.0', screen: 'FOUND', data: { status: 'shipped' } });
    expect(asked).toEqual([
      {
        channelId: channel.id,
        claims,
        action: 'data_exchange',
        screen: 'ORDER',
        data: { order_id: 'A-1001' },
      },
    ]);
    expect((await count()) - before).toBe(1);
  });

  it('a screen request the run cannot take closes the form with its message (427)', async () => {
    const { handler } = endpoint({ close: 'You already sent this form.' });
    const req = request({
      version: '3.0',
      action: 'INIT',
      screen: '',
      data: {},
      flow_token: tokens.issue(claims),
    });
    const answer = await handler.handle(channel, req.raw, req.signature);
    expect(answer.status).toBe(427);
    expect(req.open(answer.body)).toEqual({ error_msg: 'You already sent this form.' });
  });
});

import { createDecipheriv, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sealFlowRequest } from '../../../../tools/sandbox/src/flows-client';
import {
  decryptFlowRequest,
  encryptFlowResponse,
  FlowEndpointCryptoError,
  generateFlowKeyPair,
} from './endpoint-crypto';

/** Made by Python's `cryptography` (test/fixtures/flows-endpoint/make-vectors.py), not by this code. */
const vectors = JSON.parse(
  readFileSync(join(__dirname, '../../../../test/fixtures/flows-endpoint/vectors.json'), 'utf8'),
) as {
  privateKeyPem: string;
  body: Record<string, string>;
  aesKey: string;
  request: string;
  response: string;
  encryptedResponse: string;
};
const privateKey = createPrivateKey(vectors.privateKeyPem);

/** A request sealed as WhatsApp seals it (the sandbox's side of the protocol). */
const sealRequest = (publicKeyPem: string, payload: object) => sealFlowRequest(publicKeyPem, payload).body;

const failure = (fn: () => unknown): FlowEndpointCryptoError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof FlowEndpointCryptoError) return error;
    throw error;
  }
  throw new Error('expected a FlowEndpointCryptoError');
};

describe('the data endpoint’s encryption (WhatsApp Flows)', () => {
  it('opens a request sealed by another implementation, and seals the answer byte for byte as it does', () => {
    const opened = decryptFlowRequest(vectors.body, privateKey);
    expect(opened.payload).toEqual(JSON.parse(vectors.request));
    expect(opened.aesKey.toString('base64')).toBe(vectors.aesKey);
    // GCM is deterministic for a key, an IV and a text: the same bytes mean the same flipped IV and layout.
    expect(encryptFlowResponse(JSON.parse(vectors.response) as object, opened.aesKey, opened.iv)).toBe(
      vectors.encryptedResponse,
    );
  });

  it('round trips with a fresh key pair; the answer opens only under the flipped IV', async () => {
    const keys = await generateFlowKeyPair();
    expect(keys.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const payload = { version: '3.0', action: 'ping' };
    const opened = decryptFlowRequest(
      sealRequest(keys.publicKeyPem, payload),
      createPrivateKey(keys.privateKeyPem),
    );
    expect(opened.payload).toEqual(payload);
    const answer = Buffer.from(
      encryptFlowResponse({ data: { status: 'active' } }, opened.aesKey, opened.iv),
      'base64',
    );
    const open = (iv: Buffer) => {
      const decipher = createDecipheriv('aes-128-gcm', opened.aesKey, iv);
      decipher.setAuthTag(answer.subarray(answer.length - 16));
      return Buffer.concat([
        decipher.update(answer.subarray(0, answer.length - 16)),
        decipher.final(),
      ]).toString();
    };
    expect(open(Buffer.from(opened.iv.map((b) => b ^ 0xff)))).toBe('{"data":{"status":"active"}}');
    expect(() => open(opened.iv)).toThrow();
  });

  it('a request for another key is undecryptable (421: WhatsApp re-fetches the public key)', async () => {
    const other = await generateFlowKeyPair();
    const error = failure(() =>
      decryptFlowRequest(sealRequest(other.publicKeyPem, { action: 'ping' }), privateKey),
    );
    expect(error.reason).toBe('undecryptable');
  });

  it('a tampered payload or tag is undecryptable', () => {
    const sealed = Buffer.from(vectors.body.encrypted_flow_data, 'base64');
    for (const at of [0, sealed.length - 1]) {
      const tampered = Buffer.from(sealed);
      tampered[at] ^= 0x01;
      const body = { ...vectors.body, encrypted_flow_data: tampered.toString('base64') };
      expect(failure(() => decryptFlowRequest(body, privateKey)).reason).toBe('undecryptable');
    }
    const iv = Buffer.from(vectors.body.initial_vector, 'base64');
    iv[0] ^= 0x01;
    const body = { ...vectors.body, initial_vector: iv.toString('base64') };
    expect(failure(() => decryptFlowRequest(body, privateKey)).reason).toBe('undecryptable');
  });

  it('a body that is not the envelope is malformed, naming the field', () => {
    expect(failure(() => decryptFlowRequest([], privateKey))).toMatchObject({
      reason: 'malformed',
      field: 'body',
    });
    const { encrypted_aes_key: _, ...withoutKey } = vectors.body;
    expect(failure(() => decryptFlowRequest(withoutKey, privateKey))).toMatchObject({
      reason: 'malformed',
      field: 'encrypted_aes_key',
    });
    expect(
      failure(() => decryptFlowRequest({ ...vectors.body, initial_vector: 'not base64!' }, privateKey)),
    ).toMatchObject({ reason: 'malformed', field: 'initial_vector' });
  });
});

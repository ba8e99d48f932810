import {
  constants,
  createCipheriv,
  createDecipheriv,
  generateKeyPair,
  type KeyObject,
  privateDecrypt,
} from 'node:crypto';
import { promisify } from 'node:util';

/**
 * The encryption of WhatsApp Flows' data endpoint (Meta's "Implementing your Flow endpoint"). WhatsApp makes a
 * fresh 16-byte AES key per request, wraps it with RSA-OAEP (SHA-256 for the hash and MGF1, no label) under the
 * channel's public key, and seals the JSON payload with AES-128-GCM (the 16-byte `initial_vector`, the tag at the
 * end). The answer is sealed with the same key and the IV with every byte flipped, sent as base64 text.
 */

/** Why a request cannot be read. `malformed`: not the endpoint's envelope (400). `undecryptable`: 421, after which WhatsApp fetches the public key again and retries once. */
export class FlowEndpointCryptoError extends Error {
  constructor(
    readonly reason: 'malformed' | 'undecryptable',
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'FlowEndpointCryptoError';
  }
}

export interface DecryptedFlowRequest {
  /** The request's AES key and IV: the answer is sealed with them (`encryptFlowResponse`). */
  aesKey: Buffer;
  iv: Buffer;
  /** The payload as WhatsApp sent it (JSON), not yet validated. */
  payload: unknown;
}

const AES_KEY_BYTES = 16;
const IV_BYTES = 16;
const TAG_BYTES = 16;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function base64Field(body: Record<string, unknown>, field: string): Buffer {
  const value = body[field];
  if (typeof value !== 'string' || value.length === 0 || value.length % 4 !== 0 || !BASE64.test(value))
    throw new FlowEndpointCryptoError('malformed', `${field} must be a base64 string`, field);
  return Buffer.from(value, 'base64');
}

/** Opens a data-endpoint request with the channel's private key. */
export function decryptFlowRequest(body: unknown, privateKey: KeyObject): DecryptedFlowRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new FlowEndpointCryptoError('malformed', 'The body must be a JSON object', 'body');
  const fields = body as Record<string, unknown>;
  const sealed = base64Field(fields, 'encrypted_flow_data');
  const wrappedKey = base64Field(fields, 'encrypted_aes_key');
  const iv = base64Field(fields, 'initial_vector');
  const undecryptable = () =>
    new FlowEndpointCryptoError('undecryptable', 'The request could not be decrypted with this key');
  let aesKey: Buffer;
  try {
    aesKey = privateDecrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      wrappedKey,
    );
  } catch {
    throw undecryptable();
  }
  if (aesKey.length !== AES_KEY_BYTES || iv.length !== IV_BYTES || sealed.length < TAG_BYTES)
    throw undecryptable();
  let plain: string;
  try {
    const decipher = createDecipheriv('aes-128-gcm', aesKey, iv);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    plain = Buffer.concat([
      decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    throw undecryptable();
  }
  try {
    return { aesKey, iv, payload: JSON.parse(plain) };
  } catch {
    throw new FlowEndpointCryptoError(
      'malformed',
      'The decrypted payload is not JSON',
      'encrypted_flow_data',
    );
  }
}

/** Seals an answer for the request that brought `aesKey` and `iv`: base64(AES-128-GCM(JSON) ‖ tag), IV flipped. */
export function encryptFlowResponse(response: object, aesKey: Buffer, iv: Buffer): string {
  const flipped = Buffer.from(iv.map((byte) => byte ^ 0xff));
  const cipher = createCipheriv('aes-128-gcm', aesKey, flipped);
  return Buffer.concat([
    cipher.update(JSON.stringify(response), 'utf8'),
    cipher.final(),
    cipher.getAuthTag(),
  ]).toString('base64');
}

/**
 * A channel's key pair for its data endpoint: RSA-2048, PEM (public: SPKI, as Meta takes it; private: PKCS#8).
 * Made off the event loop (tens to hundreds of milliseconds of CPU): the process also answers webhooks.
 */
export async function generateFlowKeyPair(): Promise<{ publicKeyPem: string; privateKeyPem: string }> {
  const { publicKey, privateKey } = await promisify(generateKeyPair)('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicKeyPem: publicKey, privateKeyPem: privateKey };
}

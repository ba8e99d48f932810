import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHmac,
  publicEncrypt,
  randomBytes,
} from 'node:crypto';

/**
 * WhatsApp's side of the Flows data endpoint's encryption: a request sealed as WhatsApp seals it (a fresh AES-128
 * key wrapped with RSA-OAEP-SHA256 under the channel's public key, the payload in AES-128-GCM), signed with the
 * app secret, and the way to open the endpoint's answer (the same key, the IV flipped). The sandbox uses it to
 * play WhatsApp; tests use it to talk to the endpoint.
 */
export interface SealedFlowRequest {
  /** The body as sent: `{encrypted_flow_data, encrypted_aes_key, initial_vector}`. */
  body: { encrypted_flow_data: string; encrypted_aes_key: string; initial_vector: string };
  raw: Buffer;
  /** `X-Hub-Signature-256` for `raw` under the app secret given (none given: an empty string). */
  signature: string;
  /** Opens the endpoint's answer to this request. */
  open(answer: string): unknown;
}

export function sealFlowRequest(publicKeyPem: string, payload: object, appSecret = ''): SealedFlowRequest {
  const aesKey = randomBytes(16);
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-128-gcm', aesKey, iv);
  const data = Buffer.concat([cipher.update(JSON.stringify(payload)), cipher.final(), cipher.getAuthTag()]);
  const wrapped = publicEncrypt(
    { key: publicKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    aesKey,
  );
  const body = {
    encrypted_flow_data: data.toString('base64'),
    encrypted_aes_key: wrapped.toString('base64'),
    initial_vector: iv.toString('base64'),
  };
  const raw = Buffer.from(JSON.stringify(body));
  const signature = appSecret ? `sha256=${createHmac('sha256', appSecret).update(raw).digest('hex')}` : '';
  return {
    body,
    raw,
    signature,
    open(answer) {
      const bytes = Buffer.from(answer, 'base64');
      const decipher = createDecipheriv('aes-128-gcm', aesKey, Buffer.from(iv.map((b) => b ^ 0xff)));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      const plain = Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]);
      return JSON.parse(plain.toString('utf8')) as unknown;
    },
  };
}

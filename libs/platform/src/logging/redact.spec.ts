import pino from 'pino';
import { LogCapture } from '@flowbridge/testing';
import { pinoOptions } from './logging.module';
import { isSecretKey, REDACTED, redactDeep, redactText } from './redact';

describe('redaction', () => {
  it('recognises secret-named keys and leaves look-alikes alone', () => {
    for (const key of [
      'authorization',
      'Authorization',
      'password',
      'clientSecret',
      'appSecret',
      'accessToken',
      'x-api-key',
      'token',
      'ADMIN_API_KEY',
    ]) {
      expect(isSecretKey(key)).toBe(true);
    }
    for (const key of ['tokenUrl', 'title', 'keyId', 'username', 'secretSet'])
      expect(isSecretKey(key)).toBe(false);
  });

  it('scrubs credentials inside free text', () => {
    const text = redactText(
      'GET https://user:pw@api.example.com/x?api_key=abc123&page=2 with Bearer eyJhbGciOi.payload.sig',
    );
    expect(text).not.toContain('pw@');
    expect(text).not.toContain('abc123');
    expect(text).not.toContain('eyJhbGciOi');
    expect(text).toContain('page=2');
    expect(redactText('sent Token tk_1a2b3c4d5e')).toBe(`sent Token ${REDACTED}`);
    // Prose is left alone: only a value that looks like a credential (it has a digit) is cut.
    expect(redactText('the token endpoint answered HTTP 401')).toBe('the token endpoint answered HTTP 401');
  });

  it("[issue 17] redacts Meta's handshake parameters and every secret-named query parameter in URLs", () => {
    const url = redactText(
      '/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=vt-123&hub.challenge=998877&page=2' +
        '&access_token=EAAG1&client_secret=cs1&x-api-key=k1&Signature=s1',
    );
    for (const secret of ['vt-123', '998877', 'EAAG1', 'cs1', 'k1', 's1'])
      expect(url).not.toContain(`=${secret}`);
    expect(url).toContain('hub.mode=subscribe');
    expect(url).toContain('page=2');
    expect(url).toContain(`hub.verify_token=${REDACTED}`);
  });

  it('redacts at any depth, including inside error objects and their causes', () => {
    const error = Object.assign(new Error('request failed for Bearer topsecret-token-value'), {
      config: { headers: { Authorization: 'Bearer topsecret-token-value', 'X-Trace': 'keep-me' } },
      cause: Object.assign(new Error('inner'), { password: 'hunter2hunter2' }),
    });
    const out = JSON.stringify(
      redactDeep({ err: error, nested: { deeper: { clientSecret: 's3cr3t-value' } } }),
    );
    expect(out).not.toContain('topsecret-token-value');
    expect(out).not.toContain('hunter2hunter2');
    expect(out).not.toContain('s3cr3t-value');
    expect(out).toContain('keep-me');
    expect(out).toContain(REDACTED);
  });

  it('survives cycles and class instances', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    class Socket {}
    expect(redactDeep({ a, socket: new Socket() })).toEqual({
      a: { name: 'a', self: '[Circular]' },
      socket: '[Socket]',
    });
  });

  it('keeps secrets out of what pino writes, from objects, errors and messages', async () => {
    const capture = new LogCapture();
    const logger = pino(pinoOptions('test', 'info'), capture);
    const err = Object.assign(new Error('upstream said no'), {
      request: { headers: { authorization: 'Basic dXNlcjpwYXNzd29yZA==' } },
    });
    logger.error({ err, token: 'plain-token-123456' }, 'call failed with Bearer abcdefghijkl');
    logger.flush();
    await new Promise((resolve) => setImmediate(resolve));
    const [line] = capture.lines();
    expect(capture.text).not.toContain('dXNlcjpwYXNzd29yZA');
    expect(capture.text).not.toContain('plain-token-123456');
    expect(capture.text).not.toContain('abcdefghijkl');
    expect(line.msg).toContain(REDACTED);
    expect((line.err as { message: string }).message).toBe('upstream said no');
    expect(line.service).toBe('test');
  });
});

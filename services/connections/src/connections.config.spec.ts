import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from '@flowbridge/platform';
import { ConnectionsConfig } from './connections.config';

function failure(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(ConnectionsConfig, { INTERNAL_KEY: 'k'.repeat(32), ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('ConnectionsConfig', () => {
  const keys = `k1:${randomBytes(32).toString('base64')}`;

  it('requires ENCRYPTION_KEYS and names it', () => {
    const error = failure({});
    expect(error.problems.map((p) => p.variable)).toEqual(['ENCRYPTION_KEYS']);
    expect(error.message).toContain('ENCRYPTION_KEYS: is required');
  });

  it('explains a malformed key without echoing it', () => {
    const bad = `k1:${randomBytes(8).toString('base64')}`;
    const error = failure({ ENCRYPTION_KEYS: bad });
    expect(error.message).toContain('must decode to 32 bytes');
    expect(error.message).not.toContain(bad);
  });

  it('parses the outbound allow-list and the port', () => {
    const config = loadConfig(ConnectionsConfig, {
      INTERNAL_KEY: 'k'.repeat(32),
      ENCRYPTION_KEYS: keys,
      OUTBOUND_ALLOW_HOSTS: '127.0.0.1:8080, *.local.test',
      CONNECTIONS_PORT: '4001',
    });
    expect(config.OUTBOUND_ALLOW_HOSTS).toEqual(['127.0.0.1:8080', '*.local.test']);
    expect(config.CONNECTIONS_PORT).toBe(4001);
    expect(failure({ ENCRYPTION_KEYS: keys, OUTBOUND_ALLOW_HOSTS: 'host:99999' }).problems[0].variable).toBe(
      'OUTBOUND_ALLOW_HOSTS',
    );
    expect(failure({ ENCRYPTION_KEYS: keys, CONNECTIONS_PORT: 'http' }).problems[0].variable).toBe(
      'CONNECTIONS_PORT',
    );
  });
});

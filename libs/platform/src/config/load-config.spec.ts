import { ConfigError, loadConfig } from './load-config';
import { IsBoolean } from 'class-validator';
import { ToBoolean } from './env-transforms';
import { PlatformConfig } from './platform-config';

class WithSwitch extends PlatformConfig {
  @ToBoolean()
  @IsBoolean({ message: 'must be true or false' })
  SWITCH = false;
}

/** Required outside NODE_ENV=test: given here so that each case is about its own variables. */
const KEY = { INTERNAL_KEY: 'k'.repeat(32) };

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(PlatformConfig, { ...KEY, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => p.variable);
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('fills every default when nothing is set', () => {
    const config = loadConfig(PlatformConfig, { ...KEY });
    expect(config.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/flowbridge');
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.ADMIN_WORKSPACE).toBe('default');
    expect(config.DATABASE_POOL_SIZE).toBe(10);
    expect(config.ADMIN_API_KEY).toBeUndefined();
  });

  it('[issue 17] requires INTERNAL_KEY (32+ characters) except under NODE_ENV=test', () => {
    expect(problems({ INTERNAL_KEY: undefined })).toEqual(['INTERNAL_KEY']);
    expect(problems({ INTERNAL_KEY: 'short', NODE_ENV: 'production' })).toEqual(['INTERNAL_KEY']);
    expect(problems({ INTERNAL_KEY: undefined, NODE_ENV: 'test' })).toEqual([]);
    expect(problems({ INTERNAL_KEY: 'short', NODE_ENV: 'test' })).toEqual(['INTERNAL_KEY']);
  });

  it('converts numbers and booleans', () => {
    const config = loadConfig(WithSwitch, { ...KEY, DATABASE_POOL_SIZE: '25', SWITCH: 'yes' });
    expect(config.DATABASE_POOL_SIZE).toBe(25);
    expect(config.SWITCH).toBe(true);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig(PlatformConfig, { ...KEY, LOG_LEVEL: '' }).LOG_LEVEL).toBe('info');
  });

  it('names each malformed variable', () => {
    expect(problems({ DATABASE_URL: 'mysql://x' })).toEqual(['DATABASE_URL']);
    expect(problems({ REDIS_URL: 'http://x' })).toEqual(['REDIS_URL']);
    expect(problems({ DATABASE_POOL_SIZE: 'many', LOG_LEVEL: 'loud' }).sort()).toEqual([
      'DATABASE_POOL_SIZE',
      'LOG_LEVEL',
    ]);
    expect(problems({ ADMIN_WORKSPACE: 'Bad Name!' })).toEqual(['ADMIN_WORKSPACE']);
  });

  it('never echoes a value in its message (values may be secrets)', () => {
    try {
      loadConfig(PlatformConfig, { ADMIN_API_KEY: 'short-secret-xyz' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain('ADMIN_API_KEY');
      expect((error as Error).message).not.toContain('short-secret-xyz');
    }
  });

  it('reads only the variables it declares', () => {
    const config = loadConfig(PlatformConfig, { ...KEY, UNRELATED_SECRET: 'x' }) as unknown as Record<
      string,
      unknown
    >;
    expect(config.UNRELATED_SECRET).toBeUndefined();
  });
});

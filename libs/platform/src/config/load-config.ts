import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync, type ValidationError } from 'class-validator';

export class ConfigError extends Error {
  constructor(readonly problems: Array<{ variable: string; message: string }>) {
    super(
      'Invalid configuration; fix these environment variables (see .env.example):\n' +
        problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/**
 * Reads, converts and validates the environment once at boot. Only the variables the schema declares are
 * read, and their values are never echoed: several are secrets.
 */
export function loadConfig<T extends object>(schema: new () => T, env: NodeJS.ProcessEnv = process.env): T {
  const declared = new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(schema, '', true, false)
      .map((m) => m.propertyName),
  );
  const present: Record<string, string> = {};
  for (const name of declared) {
    const value = env[name];
    // An empty variable means "use the default", as docker-compose's `VAR=` suggests.
    if (value !== undefined && value !== '') present[name] = value;
  }
  const config = plainToInstance(schema, present, { exposeDefaultValues: true });
  const errors = validateSync(config, { forbidUnknownValues: false });
  if (errors.length > 0) throw new ConfigError(describe(errors));
  return config;
}

function describe(errors: ValidationError[]): Array<{ variable: string; message: string }> {
  return errors.map((error) => ({
    variable: error.property,
    message: Object.values(error.constraints ?? { invalid: 'is invalid' })
      .map((m) => m.replace(new RegExp(`^${error.property} `), ''))
      .join('; '),
  }));
}

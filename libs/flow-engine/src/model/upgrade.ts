import { FLOW_SCHEMA_VERSION } from './schema';

/** Turns a document of version N into version N+1. Entry N upgrades from N; append, never edit. */
export type Upgrade = (document: Record<string, unknown>) => Record<string, unknown>;

// Version 1 is the first published shape: nothing to upgrade from yet.
export const UPGRADES: Readonly<Record<number, Upgrade>> = {};

export class SchemaVersionError extends Error {
  readonly code = 'SCHEMA_VERSION_UNSUPPORTED';
}

/**
 * Brings a stored or submitted document to the current schema version, one step at a time. A document
 * without `schemaVersion` is taken as current (the shape SPEC §2 shows); a newer one than this code knows
 * is refused rather than guessed at.
 */
export function upgradeDocument(
  input: unknown,
  upgrades: Readonly<Record<number, Upgrade>> = UPGRADES,
  current: number = FLOW_SCHEMA_VERSION,
): unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
  let document = input as Record<string, unknown>;
  const declared = document.schemaVersion ?? current;
  if (typeof declared !== 'number' || !Number.isInteger(declared) || declared < 1 || declared > current) {
    throw new SchemaVersionError(
      `schemaVersion ${JSON.stringify(declared)} is not supported: this version reads 1 to ${current}`,
    );
  }
  for (let version = declared; version < current; version++) {
    const upgrade = upgrades[version];
    if (!upgrade) throw new SchemaVersionError(`no upgrade from schemaVersion ${version}`);
    document = upgrade(document);
  }
  return { ...document, schemaVersion: current };
}

import { QueryFailedError } from 'typeorm';

/** The constraint a Postgres unique (23505) or foreign-key (23503) violation names, if that is what this is. */
export function violatedConstraint(error: unknown, sqlState: '23505' | '23503'): string | null {
  if (!(error instanceof QueryFailedError)) return null;
  const driverError = error.driverError as { code?: string; constraint?: string };
  return driverError.code === sqlState ? (driverError.constraint ?? '') : null;
}

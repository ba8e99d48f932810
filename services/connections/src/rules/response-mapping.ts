import { FORBIDDEN_PATH_SEGMENTS } from '@flowbridge/contracts';
import { AppError } from '@flowbridge/platform';
import { ConnectionsErrorCode } from './errors';

const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const SEGMENT = /^[^.\s]{1,100}$/;
const MAX_ENTRIES = 100;
const MAX_DEPTH = 20;

/** `{ variable: "data.items.0.name" }`: a path into the api_response object (status, statusCode, data, headers). */
export function checkResponseMapping(
  mapping: Record<string, unknown>,
  field = 'responseMapping',
): Record<string, string> {
  const entries = Object.entries(mapping);
  if (entries.length > MAX_ENTRIES) {
    throw AppError.validation(
      field,
      `${field} may hold at most ${MAX_ENTRIES} variables`,
      ConnectionsErrorCode.InvalidMapping,
    );
  }
  const out: Record<string, string> = {};
  for (const [variable, path] of entries) {
    const at = `${field}.${variable}`;
    if (!VARIABLE.test(variable)) {
      throw AppError.validation(
        at,
        `"${variable}" is not a variable name (letters, digits, "_")`,
        ConnectionsErrorCode.InvalidMapping,
      );
    }
    if (typeof path !== 'string')
      throw AppError.validation(at, `${at} must be a path string`, ConnectionsErrorCode.InvalidMapping);
    const segments = path.split('.');
    if (segments.length > MAX_DEPTH || !segments.every((s) => SEGMENT.test(s))) {
      throw AppError.validation(
        at,
        `${at} must be a dotted path such as data.items.0.name`,
        ConnectionsErrorCode.InvalidMapping,
      );
    }
    if (segments.some((s) => FORBIDDEN_PATH_SEGMENTS.has(s))) {
      throw AppError.validation(
        at,
        `${at} must not read __proto__, prototype or constructor`,
        ConnectionsErrorCode.InvalidMapping,
      );
    }
    out[variable] = path;
  }
  return out;
}

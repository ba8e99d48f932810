import { AppError } from '@flowbridge/platform';
import { ConnectionsErrorCode } from './errors';

const MAX_PATH = 2048;

/**
 * An API's path is relative to its connection's base URL and must stay under it: no scheme, no
 * `//host`, no `..` segment (also percent-encoded), no backslash, no query or fragment (use `query`).
 * Template values inserted later are URL-encoded by the request engine, so they cannot escape either.
 */
export function checkApiPath(path: string, field = 'path'): string {
  if (path.length > MAX_PATH) {
    throw AppError.validation(
      field,
      `${field} must be at most ${MAX_PATH} characters`,
      ConnectionsErrorCode.InvalidPath,
    );
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith('//')) {
    throw AppError.validation(
      field,
      `${field} must be relative to the connection's base URL, not an absolute URL`,
      ConnectionsErrorCode.PathEscapesBase,
    );
  }
  if (/[\s\\]/.test(path) || hasControlCharacter(path)) {
    throw AppError.validation(
      field,
      `${field} must not contain spaces, backslashes or control characters`,
      ConnectionsErrorCode.InvalidPath,
    );
  }
  if (path.includes('?') || path.includes('#')) {
    throw AppError.validation(
      field,
      `${field} must not contain "?" or "#": put parameters in "query"`,
      ConnectionsErrorCode.InvalidPath,
    );
  }
  const segments = path.split('/');
  for (const segment of segments) {
    let decoded = segment;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw AppError.validation(
        field,
        `${field} has an invalid percent-encoding`,
        ConnectionsErrorCode.InvalidPath,
      );
    }
    if (decoded === '..' || decoded === '.' || decoded.includes('/') || decoded.includes('\\')) {
      throw AppError.validation(
        field,
        `${field} must not contain "." or ".." segments`,
        ConnectionsErrorCode.PathEscapesBase,
      );
    }
  }
  if (!balancedTemplates(path)) {
    throw AppError.validation(
      field,
      `${field} has an unclosed "{{" template`,
      ConnectionsErrorCode.InvalidPath,
    );
  }
  return path === '' || path.startsWith('/') ? path : `/${path}`;
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

function balancedTemplates(text: string): boolean {
  const opens = text.split('{{').length - 1;
  const closes = text.split('}}').length - 1;
  return opens === closes;
}

/** Rules on request parts that hold at save time and again once templates are rendered. */

/** CR/LF would split a header in two (request smuggling); NUL is refused by every server. */
export function hasHeaderBreak(value: string): boolean {
  return /[\r\n\0]/.test(value);
}

/**
 * True when a path has a "." or ".." segment once decoded: the URL parser reads "..", "%2E%2E" and
 * ".%2e" alike as "go up". A segment with malformed percent-encoding is not a dot segment.
 */
export function hasDotSegment(path: string): boolean {
  return path.split('/').some((segment) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return false;
    }
    return decoded === '.' || decoded === '..';
  });
}

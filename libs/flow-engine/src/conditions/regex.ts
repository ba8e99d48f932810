import { RE2JS } from 're2js';

// `matches` runs on RE2 (re2js): matching time is linear in the input whatever the pattern, so no
// pattern can backtrack catastrophically (ReDoS). RE2 has no backreferences or lookarounds; such a
// pattern is refused when the flow is validated. Subjects and patterns are bounded as well.

export const MAX_PATTERN_LENGTH = 300;
/** A longer value never matches: bounded work per condition, whatever the variable holds. */
export const MAX_SUBJECT_LENGTH = 10_000;
const CACHE_SIZE = 500;

const compiled = new Map<string, RE2JS>();

/** The reason a pattern cannot be used, or null when it compiles. */
export function patternProblem(pattern: string): string | null {
  if (pattern.length > MAX_PATTERN_LENGTH) return `longer than ${MAX_PATTERN_LENGTH} characters`;
  try {
    compile(pattern);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : 'invalid pattern';
  }
}

/** Case-insensitive search for the pattern anywhere in the subject; false for a pattern that does not compile. */
export function regexMatches(pattern: string, subject: string): boolean {
  if (subject.length > MAX_SUBJECT_LENGTH || pattern.length > MAX_PATTERN_LENGTH) return false;
  try {
    return compile(pattern).matcher(subject).find();
  } catch {
    return false;
  }
}

function compile(pattern: string): RE2JS {
  let regex = compiled.get(pattern);
  if (!regex) {
    regex = RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE);
    if (compiled.size >= CACHE_SIZE) compiled.delete(compiled.keys().next().value as string);
    compiled.set(pattern, regex);
  }
  return regex;
}

// Which run variables a template reads, for validation: the root name of every variable in an output
// tag (`{{ api_response.data.x }}` reads `api_response`), including filter arguments, and whether the
// output falls back to a `default` filter.

export interface TemplateRead {
  /** The first segment of the path: the run variable. */
  root: string;
  /** The path as written, e.g. `api_response.data.items[0].name`. */
  path: string;
  /** The output has a `default` filter, so a missing value is covered. */
  defaulted: boolean;
}

const OUTPUT = /\{\{-?([\s\S]*?)-?\}\}/g;
const PATH = /^[A-Za-z_][\w-]*(?:\.[\w-]+|\[\s*(?:\d+|"[^"]*"|'[^']*')\s*\])*/;
const LITERALS = new Set(['true', 'false', 'nil', 'null', 'empty', 'blank']);

export function templateReads(template: string): TemplateRead[] {
  if (!template.includes('{{')) return [];
  const reads: TemplateRead[] = [];
  for (const [, expression] of template.matchAll(OUTPUT)) {
    const [head, ...filters] = splitOutsideQuotes(expression, '|');
    const defaulted = filters.some((f) => /^\s*default\b/.test(f));
    const value = readPath(head);
    if (value) reads.push({ ...value, defaulted });
    for (const filter of filters) {
      const colon = filter.indexOf(':');
      if (colon < 0) continue;
      for (const argument of splitOutsideQuotes(filter.slice(colon + 1), ',')) {
        const read = readPath(argument.replace(/^\s*[\w-]+\s*:/, ''));
        if (read) reads.push({ ...read, defaulted: false });
      }
    }
  }
  return reads;
}

function readPath(text: string): Omit<TemplateRead, 'defaulted'> | null {
  const trimmed = text.trim();
  const match = PATH.exec(trimmed);
  if (!match || LITERALS.has(match[0])) return null;
  return { root: /^[A-Za-z_][\w-]*/.exec(match[0])![0], path: match[0] };
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === separator) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

import { FORBIDDEN_PATH_SEGMENTS } from '@flowbridge/contracts';
import { Liquid, type Template } from 'liquidjs';

/** Every template failure, from a syntax error to a limit, has this one code. */
export class TemplateError extends Error {
  readonly code = 'TEMPLATE_ERROR';

  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

// Output only: no tags at all (no include/render/layout, no loops), and a short list of filters that
// cannot reach outside the value they are given.
const SAFE_FILTERS = new Set([
  'default',
  'upcase',
  'downcase',
  'capitalize',
  'strip',
  'lstrip',
  'rstrip',
  'truncate',
  'url_encode',
  'append',
  'prepend',
  'replace',
  'remove',
  'plus',
  'minus',
  'times',
  'divided_by',
  'round',
  'floor',
  'ceil',
  'abs',
  'size',
  'first',
  'last',
  'join',
  'date',
  'json',
]);

const MAX_TEMPLATE_LENGTH = 10_000;
const CACHE_SIZE = 2_000;
/**
 * Liquid's render time limit, in wall-clock ms. With no tags (so no loops), a size limit and a memory limit, a
 * render is bounded already; this only stops one that runs away. It was 50 ms: a short render caught by a GC
 * pause or a busy machine's scheduler passed that, and the contact's run ended with TEMPLATE_ERROR.
 */
export const RENDER_LIMIT_MS = 1000;

function sandboxedEngine(outputEscape?: (value: unknown) => string): Liquid {
  const engine = new Liquid({
    ownPropertyOnly: true,
    strictFilters: true,
    strictVariables: false,
    parseLimit: MAX_TEMPLATE_LENGTH,
    renderLimit: RENDER_LIMIT_MS,
    memoryLimit: 1_000_000,
    cache: false,
    relativeReference: false,
    outputEscape,
  });
  for (const name of Object.keys(engine.tags)) delete engine.tags[name];
  for (const name of Object.keys(engine.filters)) if (!SAFE_FILTERS.has(name)) delete engine.filters[name];
  return engine;
}

/** Plain text and `{{ a.b.0 }}` references, rendered without Liquid; or Liquid's parse of anything else. */
type Compiled = { parts: Array<string | { path: string }> } | { liquid: Template[] };

const PLAIN_REFERENCE = /\{\{\s*([A-Za-z_]\w*(?:\.\w+)*)\s*\}\}/g;
// Liquid reads these as properties of arrays and strings: such references stay with Liquid.
const LIQUID_PROPERTIES = new Set(['size', 'first', 'last']);
const MAX_OUTPUT_LENGTH = 1_000_000;

/** Renders `{{path}}` templates against run variables: no code, no prototypes, bounded size and time. */
export class TemplateRenderer {
  private readonly engine: Liquid;
  private readonly compiled = new Map<string, Compiled>();

  /** `outputEscape` applies to every inserted value (e.g. URL-encoding for paths). */
  constructor(private readonly outputEscape?: (value: unknown) => string) {
    this.engine = sandboxedEngine(outputEscape);
  }

  render(template: string, variables: Record<string, unknown>): string {
    if (!template.includes('{')) return template;
    const compiled = this.compile(template);
    if ('parts' in compiled) return this.renderPlain(compiled.parts, variables, template);
    try {
      return this.engine.renderSync(compiled.liquid, variables) as string;
    } catch (error) {
      throw new TemplateError(`cannot render "${template.slice(0, 80)}": ${firstLine(error)}`);
    }
  }

  /** Why a template cannot be rendered (syntax, a removed tag or filter, its size), or null. */
  check(template: string): string | null {
    try {
      this.compile(template);
      return null;
    } catch (error) {
      return error instanceof TemplateError ? error.message : firstLine(error);
    }
  }

  /** The common case, a few plain references, read directly: the same output as Liquid's, at a fraction of the cost. */
  private renderPlain(
    parts: Array<string | { path: string }>,
    variables: Record<string, unknown>,
    template: string,
  ): string {
    let out = '';
    for (const part of parts) {
      if (typeof part === 'string') out += part;
      else {
        const value = lookupPath(variables, part.path);
        out += this.outputEscape ? this.outputEscape(value) : liquidText(value);
      }
      if (out.length > MAX_OUTPUT_LENGTH)
        throw new TemplateError(
          `cannot render "${template.slice(0, 80)}": output longer than ${MAX_OUTPUT_LENGTH}`,
        );
    }
    return out;
  }

  private compile(template: string): Compiled {
    const cached = this.compiled.get(template);
    if (cached) return cached;
    if (template.length > MAX_TEMPLATE_LENGTH)
      throw new TemplateError(`template longer than ${MAX_TEMPLATE_LENGTH} characters`);
    let compiled: Compiled | null = plainParts(template);
    if (!compiled) {
      try {
        compiled = { liquid: this.engine.parse(template) };
      } catch (error) {
        throw new TemplateError(`invalid template "${template.slice(0, 80)}": ${firstLine(error)}`);
      }
    }
    if (this.compiled.size >= CACHE_SIZE) this.compiled.delete(this.compiled.keys().next().value as string);
    this.compiled.set(template, compiled);
    return compiled;
  }
}

/** Null when the template holds anything but text and plain references (filters, tags, stray braces). */
function plainParts(template: string): { parts: Array<string | { path: string }> } | null {
  const parts: Array<string | { path: string }> = [];
  let last = 0;
  for (const match of template.matchAll(PLAIN_REFERENCE)) {
    const text = template.slice(last, match.index);
    if (/[{}]/.test(text) || match[1].split('.').some((s) => LIQUID_PROPERTIES.has(s))) return null;
    if (text) parts.push(text);
    parts.push({ path: match[1] });
    last = match.index + match[0].length;
  }
  const tail = template.slice(last);
  if (/[{}]/.test(tail)) return null;
  if (tail) parts.push(tail);
  return { parts };
}

/** Liquid's text for an output value: nothing for null, arrays flattened and joined, the rest as String(). */
function liquidText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(liquidText).join('');
  // Run variables come from JSON: an object here is a plain one, which Liquid prints as "[object Object]".
  if (typeof value === 'object') return Object.prototype.toString.call(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return '';
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

const EXACT_REFERENCE = /^\{\{\s*([A-Za-z_][\w-]*(?:\.[\w-]+)*)\s*\}\}$/;
export { FORBIDDEN_PATH_SEGMENTS } from '@flowbridge/contracts';

/** The variable path when a string is nothing but one reference (`"{{ order.items }}"`), else null. */
export function exactReference(template: string): string | null {
  return EXACT_REFERENCE.exec(template)?.[1] ?? null;
}

/** Reads `a.b.0.c` through own properties only; anything missing is undefined, never a throw. */
export function lookupPath(root: unknown, path: string): unknown {
  let current: unknown = root;
  for (const segment of path.split('.')) {
    if (FORBIDDEN_PATH_SEGMENTS.has(segment) || current === null || typeof current !== 'object')
      return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

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

function sandboxedEngine(outputEscape?: (value: unknown) => string): Liquid {
  const engine = new Liquid({
    ownPropertyOnly: true,
    strictFilters: true,
    strictVariables: false,
    parseLimit: MAX_TEMPLATE_LENGTH,
    renderLimit: 50,
    memoryLimit: 1_000_000,
    cache: false,
    relativeReference: false,
    outputEscape,
  });
  for (const name of Object.keys(engine.tags)) delete engine.tags[name];
  for (const name of Object.keys(engine.filters)) if (!SAFE_FILTERS.has(name)) delete engine.filters[name];
  return engine;
}

/** Renders `{{path}}` templates against run variables: no code, no prototypes, bounded size and time. */
export class TemplateRenderer {
  private readonly engine: Liquid;
  private readonly parsed = new Map<string, Template[]>();

  /** `outputEscape` applies to every inserted value (e.g. URL-encoding for paths). */
  constructor(outputEscape?: (value: unknown) => string) {
    this.engine = sandboxedEngine(outputEscape);
  }

  render(template: string, variables: Record<string, unknown>): string {
    if (!template.includes('{')) return template;
    try {
      return this.engine.renderSync(this.parse(template), variables) as string;
    } catch (error) {
      throw new TemplateError(`cannot render "${template.slice(0, 80)}": ${firstLine(error)}`);
    }
  }

  private parse(template: string): Template[] {
    const cached = this.parsed.get(template);
    if (cached) return cached;
    if (template.length > MAX_TEMPLATE_LENGTH)
      throw new TemplateError(`template longer than ${MAX_TEMPLATE_LENGTH} characters`);
    let parsed: Template[];
    try {
      parsed = this.engine.parse(template);
    } catch (error) {
      throw new TemplateError(`invalid template "${template.slice(0, 80)}": ${firstLine(error)}`);
    }
    if (this.parsed.size >= CACHE_SIZE) this.parsed.delete(this.parsed.keys().next().value as string);
    this.parsed.set(template, parsed);
    return parsed;
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

const EXACT_REFERENCE = /^\{\{\s*([A-Za-z_][\w-]*(?:\.[\w-]+)*)\s*\}\}$/;
/** Path segments never read, wherever a variable path is accepted or followed. */
export const FORBIDDEN_PATH_SEGMENTS: ReadonlySet<string> = new Set([
  '__proto__',
  'prototype',
  'constructor',
]);

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

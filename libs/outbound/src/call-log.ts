import { isSecretKey, REDACTED, redactText } from '@flowbridge/platform';

export const LOG_BODY_LIMIT = 10 * 1024;
export const MASK = REDACTED;
const MIN_SECRET_LENGTH = 4;

/**
 * Masks one call's secrets wherever they appear: by name (credential headers and query parameters,
 * secret-looking header names) and by value (every secret, also URL-, JSON- and Base64-encoded), then the
 * platform's free-text patterns. Built per call from the resolved connection, so it knows the real values.
 */
export class Masker {
  private values: string[] = [];
  private readonly headerNames = new Set<string>();
  private readonly queryNames = new Set<string>();

  constructor(secrets: Iterable<string> = []) {
    this.add(...secrets);
  }

  /** Secret values (e.g. an access token obtained during the call). */
  add(...secrets: string[]): this {
    const forms = new Set(this.values);
    for (const secret of secrets) {
      if (secret.length < MIN_SECRET_LENGTH) continue;
      forms.add(secret);
      forms.add(encodeURIComponent(secret));
      forms.add(new URLSearchParams({ v: secret }).toString().slice(2));
      forms.add(JSON.stringify(secret).slice(1, -1));
      // Base64 as an API may echo it back (standard and URL alphabets, with or without padding).
      const base64 = Buffer.from(secret, 'utf8').toString('base64');
      forms.add(base64);
      forms.add(base64.replace(/=+$/, ''));
      forms.add(Buffer.from(secret, 'utf8').toString('base64url'));
    }
    // Longest first, so that a secret containing another is replaced whole.
    this.values = [...forms].sort((a, b) => b.length - a.length);
    return this;
  }

  /** Header and query parameter names whose values are masked whatever they hold. */
  addNames(names: { headers?: Iterable<string>; query?: Iterable<string> }): this {
    for (const name of names.headers ?? []) this.headerNames.add(name.toLowerCase());
    for (const name of names.query ?? []) this.queryNames.add(name);
    return this;
  }

  text(text: string): string {
    let out = text;
    for (const value of this.values) if (out.includes(value)) out = out.split(value).join(MASK);
    return redactText(out);
  }

  /**
   * A JSON value with every occurrence of a secret replaced by the mask (only the exact values: the data is
   * the flow's, not a log line). An API that echoes its credentials cannot hand them to a flow, which could
   * put them in a WhatsApp message, nor to the run a later admin reads.
   */
  json<T>(value: T): T {
    if (this.values.length === 0) return value;
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') {
        let out = v;
        for (const secret of this.values) if (out.includes(secret)) out = out.split(secret).join(MASK);
        return out;
      }
      if (Array.isArray(v)) return v.map(walk);
      if (v && typeof v === 'object')
        return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, walk(x)]));
      return v;
    };
    return walk(value) as T;
  }

  url(url: URL): string {
    if (url.search === '' && url.username === '' && url.password === '' && url.hash === '')
      return this.text(url.href);
    const copy = new URL(url.href);
    // Credentials in the URL and the fragment are never sent as such: left out of the log.
    copy.search = '';
    copy.hash = '';
    copy.username = '';
    copy.password = '';
    const query = [...url.searchParams]
      .map(([name, value]) =>
        this.queryNames.has(name) || isSecretKey(name)
          ? `${encodeURIComponent(name)}=${MASK}`
          : `${encodeURIComponent(name)}=${encodeURIComponent(value)}`,
      )
      .join('&');
    return this.text(query ? `${copy.href}?${query}` : copy.href);
  }

  headers(headers: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      const lower = name.toLowerCase();
      out[lower] = this.headerNames.has(lower) || isSecretKey(lower) ? MASK : this.text(value);
    }
    return out;
  }

  /** A body for the log: masked whole (a secret across the cut cannot leave a prefix), then cut to 10 KB. */
  body(body: string | Buffer | null | undefined): string | null {
    if (body === null || body === undefined || body.length === 0) return null;
    const masked = this.text(typeof body === 'string' ? body : body.toString('utf8'));
    return masked.length > LOG_BODY_LIMIT ? masked.slice(0, LOG_BODY_LIMIT) : masked;
  }
}

import { refuseAddress, refuseHostName } from './address-policy';
import { type AllowEntry, isAllowListed } from './allow-list';

export const UrlRuleCode = {
  InvalidUrl: 'INVALID_URL',
  UnsupportedProtocol: 'UNSUPPORTED_PROTOCOL',
  CredentialsInUrl: 'CREDENTIALS_IN_URL',
  HttpsRequired: 'HTTPS_REQUIRED',
  ForbiddenAddress: 'FORBIDDEN_ADDRESS',
  ForbiddenHost: 'FORBIDDEN_HOST',
  QueryOrFragment: 'QUERY_OR_FRAGMENT_NOT_ALLOWED',
} as const;
export type UrlRuleCode = (typeof UrlRuleCode)[keyof typeof UrlRuleCode];

export type UrlVerdict = { ok: true; url: URL } | { ok: false; code: UrlRuleCode; message: string };

const MAX_URL_LENGTH = 2048;

export function defaultPort(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

export type HostJudgement =
  | { allowListed: true; refusal?: undefined }
  | { allowListed: false; refusal: { code: 'FORBIDDEN_ADDRESS' | 'FORBIDDEN_HOST'; reason: string } | null };

/**
 * The host rule every outbound check shares, at save time and before each request or redirect hop:
 * allow-listed targets pass; a literal address must be public unicast; a name must not be local,
 * metadata or single-label. (Names are judged again on their DNS answers by the guarded agents.)
 */
export function judgeHost(url: URL, allow: readonly AllowEntry[]): HostJudgement {
  if (isAllowListed(allow, url.hostname, defaultPort(url))) return { allowListed: true };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const refusal = refuseAddress(host);
  if (refusal === null) return { allowListed: false, refusal: null };
  if (refusal !== 'not an IP address') {
    return {
      allowListed: false,
      refusal: { code: UrlRuleCode.ForbiddenAddress, reason: `a ${refusal} address` },
    };
  }
  const nameRefusal = refuseHostName(host);
  return {
    allowListed: false,
    refusal: nameRefusal ? { code: UrlRuleCode.ForbiddenHost, reason: nameRefusal } : null,
  };
}

/**
 * The rules a business API's base URL must pass when it is saved. The literal host is checked here;
 * the address actually connected to is checked again, after DNS, by the request engine.
 */
export function checkBaseUrl(raw: string, allow: readonly AllowEntry[]): UrlVerdict {
  if (raw.length > MAX_URL_LENGTH || /\s/.test(raw)) {
    return {
      ok: false,
      code: UrlRuleCode.InvalidUrl,
      message: 'must be an absolute http(s) URL without spaces',
    };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return {
      ok: false,
      code: UrlRuleCode.InvalidUrl,
      message: 'must be an absolute http(s) URL, e.g. https://api.example.com/v1',
    };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return {
      ok: false,
      code: UrlRuleCode.UnsupportedProtocol,
      message: `the ${url.protocol} scheme is not allowed: use https`,
    };
  }
  if (url.username || url.password) {
    return {
      ok: false,
      code: UrlRuleCode.CredentialsInUrl,
      message: "must not contain credentials: use the connection's auth settings",
    };
  }
  if (url.search || url.hash || raw.includes('#') || raw.includes('?')) {
    return {
      ok: false,
      code: UrlRuleCode.QueryOrFragment,
      message: 'must not contain a query or fragment: put query parameters on the API',
    };
  }
  const host = judgeHost(url, allow);
  if (host.allowListed) return { ok: true, url };
  if (host.refusal)
    return {
      ok: false,
      code: host.refusal.code,
      message: `points to ${host.refusal.reason}, which is never called`,
    };
  if (url.protocol !== 'https:') {
    return {
      ok: false,
      code: UrlRuleCode.HttpsRequired,
      message: 'must use https (http is allowed only for hosts in OUTBOUND_ALLOW_HOSTS)',
    };
  }
  return { ok: true, url };
}

import type { ResolvedAuth } from '@flowbridge/contracts';

export interface AppliedAuth {
  /** Header names that carry the credential (dropped on a cross-host redirect, masked in the log). */
  credentialHeaders: string[];
  /** Query parameter names that carry the credential. */
  credentialQuery: string[];
}

/**
 * Puts the connection's credential on the request. For OAuth2 the caller passes the access token it
 * obtained; the credential goes in `Authorization: Bearer`.
 */
export function applyAuth(
  auth: ResolvedAuth,
  target: { headers: Record<string, string>; url: URL },
  accessToken?: string,
): AppliedAuth {
  switch (auth.type) {
    case 'none':
      return { credentialHeaders: [], credentialQuery: [] };
    case 'bearer':
      target.headers.authorization = `Bearer ${auth.token}`;
      return { credentialHeaders: ['authorization'], credentialQuery: [] };
    case 'basic':
      target.headers.authorization = basicCredentials(auth.username, auth.password);
      return { credentialHeaders: ['authorization'], credentialQuery: [] };
    case 'api_key':
      if (auth.in === 'query') {
        target.url.searchParams.set(auth.name, auth.value);
        return { credentialHeaders: [], credentialQuery: [auth.name] };
      }
      target.headers[auth.name.toLowerCase()] = auth.value;
      return { credentialHeaders: [auth.name.toLowerCase()], credentialQuery: [] };
    case 'oauth2_client_credentials':
      if (accessToken === undefined) throw new Error('an OAuth2 connection needs an access token');
      target.headers.authorization = `Bearer ${accessToken}`;
      return { credentialHeaders: ['authorization'], credentialQuery: [] };
  }
}

export function basicCredentials(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/** Every secret value of the credential, in each form it can take on the wire (for masking). */
export function authSecrets(auth: ResolvedAuth): string[] {
  switch (auth.type) {
    case 'none':
      return [];
    case 'bearer':
      return [auth.token];
    case 'basic':
      return [auth.password, basicCredentials(auth.username, auth.password).slice('Basic '.length)];
    case 'api_key':
      return [auth.value];
    case 'oauth2_client_credentials':
      return [auth.clientSecret, clientCredentials(auth).slice('Basic '.length)];
  }
}

/** RFC 6749 §2.3.1: the client id and secret are form-encoded, then sent as HTTP Basic. */
export function clientCredentials(auth: { clientId: string; clientSecret: string }): string {
  const form = (value: string): string => new URLSearchParams({ v: value }).toString().slice(2);
  return basicCredentials(form(auth.clientId), form(auth.clientSecret));
}

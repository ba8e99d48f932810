import { InternalMac, purposeKey } from './internal-key';

/** What a WhatsApp Flow's token stands for: one flow message of one run, in one workspace, until it expires. */
export interface FlowTokenClaims {
  workspaceId: string;
  runId: string;
  /** The form of the run's flow version that the message opens. */
  formId: string;
  /** The send that carried the flow message (`<runId>:<seq>`). */
  navigationId: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export type FlowTokenRefusal = 'malformed' | 'forged' | 'expired';

const VERSION = 'ft1';
const MAX_LENGTH = 1024;

/**
 * Flow tokens: WhatsApp echoes the token of a flow message in every data-endpoint request and in the completion
 * webhook. Ours carry their claims in clear (base64url JSON) and an HMAC under a key derived from INTERNAL_KEY,
 * so any replica can check one without a lookup, and nobody without the key can make or alter one (a forged or
 * edited token is refused, as the endpoint answers 427). Whether its run still waits for it is the caller's check.
 */
export class FlowTokens {
  constructor(private readonly mac: InternalMac) {}

  static fromInternalKey(internalKey: string): FlowTokens {
    return new FlowTokens(new InternalMac(purposeKey(internalKey, 'flow-tokens')));
  }

  issue(claims: FlowTokenClaims): string {
    const body = Buffer.from(
      JSON.stringify([
        claims.workspaceId,
        claims.runId,
        claims.formId,
        claims.navigationId,
        claims.expiresAt,
      ]),
    ).toString('base64url');
    return `${VERSION}.${body}.${this.mac.tag(VERSION, body)}`;
  }

  /** The token's claims, or why it is refused. */
  read(token: unknown, now = Date.now()): FlowTokenClaims | FlowTokenRefusal {
    if (typeof token !== 'string' || token.length > MAX_LENGTH) return 'malformed';
    const [version, body, tag, ...rest] = token.split('.');
    if (version !== VERSION || !body || !tag || rest.length > 0) return 'malformed';
    if (!this.mac.verify(tag, VERSION, body)) return 'forged';
    let parts: unknown;
    try {
      parts = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      return 'malformed';
    }
    if (
      !Array.isArray(parts) ||
      parts.length !== 5 ||
      !parts.slice(0, 4).every((p) => typeof p === 'string' && p.length > 0) ||
      !Number.isSafeInteger(parts[4])
    )
      return 'malformed';
    const [workspaceId, runId, formId, navigationId, expiresAt] = parts as [
      string,
      string,
      string,
      string,
      number,
    ];
    if (expiresAt <= now) return 'expired';
    return { workspaceId, runId, formId, navigationId, expiresAt };
  }
}

import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { OutboundErrorCode } from '@flowbridge/contracts';
import {
  checkOutboundUrl,
  Masker,
  parseAllowList,
  firstRefusedAddress,
  RequestEngine,
  type AllowEntry,
  authSecrets,
  NOT_PUBLIC,
} from '@flowbridge/outbound';
import { AppError, SecretBoxError } from '@flowbridge/platform';
import { Injectable } from '@nestjs/common';
import { ConnectionsConfig } from '../connections.config';
import { ConnectionsErrorCode } from '../rules/errors';
import { ResolveService } from '../rpc/resolve.service';
import type { ApiTestResult, ConnectionTestResult, ProbeVerdict } from './probe.dto';

/** A test call answers within this, whatever the API's deadline (an admin is waiting on it). */
const TEST_DEADLINE_MS = 60_000;

/** "Test the request" and "test the connection", through the engine a running flow uses. */
@Injectable()
export class ProbeService {
  private readonly allowList: AllowEntry[];

  constructor(
    private readonly engine: RequestEngine,
    private readonly resolve: ResolveService,
    private readonly config: ConnectionsConfig,
  ) {
    this.allowList = parseAllowList(config.OUTBOUND_ALLOW_HOSTS);
  }

  async testApi(
    workspaceId: string,
    apiId: string,
    variables: Record<string, unknown>,
  ): Promise<ApiTestResult> {
    const resolved = await this.resolve.resolve({ workspaceId, apiId });
    if (!resolved.ok) {
      if (resolved.code === 'DECRYPTION_FAILED') throw decryptionFailed();
      throw new AppError(ConnectionsErrorCode.ApiNotFound, `API ${apiId} not found`, 404, 'id');
    }
    const result = await this.engine.runInline({
      connection: resolved.connection,
      api: resolved.api,
      variables,
      idempotencyKey: `test-${randomUUID()}`,
      deadlineAt: Date.now() + Math.min(TEST_DEADLINE_MS, this.config.OUTBOUND_DEADLINE_MS),
    });
    return { api_response: result.response, variables: result.variables, attempts: result.attempts };
  }

  async testConnection(workspaceId: string, id: string): Promise<ConnectionTestResult> {
    const connection = await this.resolve.resolveConnection(workspaceId, id).catch((error: unknown) => {
      throw error instanceof SecretBoxError ? decryptionFailed() : error;
    });
    if (!connection)
      throw new AppError(ConnectionsErrorCode.ConnectionNotFound, `Connection ${id} not found`, 404, 'id');
    const url = new Masker(authSecrets(connection.auth)).url(new URL(connection.baseUrl));
    const base = { url, dns: null, tls: null, http: null };

    const verdict = checkOutboundUrl(connection.baseUrl, this.allowList);
    if (!verdict.ok) {
      const error = { code: OutboundErrorCode.BlockedAddress, message: verdict.error.message };
      return { ...base, verdict: 'blocked', message: `Not called: ${verdict.error.message}`, error };
    }
    const dns = await this.lookup(verdict.url.hostname.replace(/^\[|\]$/g, ''));
    if (!dns.ok)
      return {
        ...base,
        dns,
        verdict: 'dns_failed',
        message: `The name ${verdict.url.hostname} does not resolve`,
        error: { code: OutboundErrorCode.Dns, message: dns.error ?? 'no address' },
      };
    const refused = verdict.allowListed ? null : firstRefusedAddress(dns.addresses);
    if (refused !== null) {
      // Not the addresses, nor their kind: that would read internal DNS for whoever asks.
      const message = `${verdict.url.hostname} ${NOT_PUBLIC}`;
      return {
        ...base,
        verdict: 'blocked',
        message: `Not called: ${message}`,
        error: { code: OutboundErrorCode.BlockedAddress, message },
      };
    }

    const probe = await this.engine.probe(connection);
    const tls =
      verdict.url.protocol !== 'https:'
        ? null
        : probe.statusCode !== null
          ? { ok: true }
          : probe.error?.code === 'TLS_ERROR'
            ? { ok: false, error: probe.error.message }
            : null;
    const http =
      probe.statusCode !== null ? { statusCode: probe.statusCode, latencyMs: probe.latencyMs } : null;
    const [kind, message] = verdictOf(probe.statusCode, probe.error?.code, probe.latencyMs);
    return { url, dns, tls, http, verdict: kind, message, error: probe.error };
  }

  private async lookup(host: string): Promise<NonNullable<ConnectionTestResult['dns']>> {
    if (isIP(host) !== 0) return { ok: true, addresses: [host] };
    try {
      const addresses = (await this.engine.resolver(host)).map((a) => a.address);
      return addresses.length > 0 ? { ok: true, addresses } : { ok: false, addresses, error: 'no address' };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      return { ok: false, addresses: [], error: typeof code === 'string' ? code : 'lookup failed' };
    }
  }
}

function verdictOf(
  statusCode: number | null,
  code: string | undefined,
  latencyMs: number,
): [ProbeVerdict, string] {
  if (statusCode === 401 || statusCode === 403)
    return ['auth_failed', `The server answered HTTP ${statusCode}: check the connection's credentials`];
  if (statusCode !== null && statusCode >= 500)
    return ['server_error', `The server is reachable but answered HTTP ${statusCode}`];
  if (statusCode !== null) return ['reachable', `Reachable: HTTP ${statusCode} in ${latencyMs} ms`];
  if (code === 'AUTH_FAILED') return ['auth_failed', 'The OAuth2 token request failed'];
  if (code === 'BLOCKED_ADDRESS') return ['blocked', 'Not called: the outbound policy refuses this address'];
  if (code === 'TLS_ERROR') return ['unreachable', 'The TLS handshake failed (certificate or protocol)'];
  if (code === 'TIMEOUT') return ['unreachable', `No answer within the connection's timeout`];
  return ['unreachable', 'The server could not be reached'];
}

function decryptionFailed(): AppError {
  return new AppError(
    'DECRYPTION_FAILED',
    'A stored secret could not be decrypted; check ENCRYPTION_KEYS',
    500,
  );
}

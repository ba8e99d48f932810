import { HttpPeer } from './http-peer';

/** A span as an OTLP exporter sent it, flattened: its service, ids, name and attributes. */
export interface CollectedSpan {
  service: string;
  traceId: string;
  spanId: string;
  /** Absent on a trace's root. */
  parentSpanId?: string;
  name: string;
  attributes: Record<string, string | number | boolean>;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  statusCode: number;
  /** When the span started and ended, in milliseconds since the epoch. */
  startMs: number;
  endMs: number;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpExport {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: Array<{
      spans?: Array<{
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        attributes?: OtlpAttribute[];
        status?: { code?: number };
        startTimeUnixNano: string;
        endTimeUnixNano: string;
      }>;
    }>;
  }>;
}

const valueOf = (v: OtlpValue): string | number | boolean =>
  v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : (v.doubleValue ?? v.boolValue ?? ''));
const millisOf = (nanos: string): number => Number(BigInt(nanos) / 1000n) / 1000;
const attributesOf = (list: OtlpAttribute[] = []) =>
  Object.fromEntries(list.map((a) => [a.key, valueOf(a.value)]));

/**
 * An OpenTelemetry collector in memory, on 127.0.0.1: the OTLP/HTTP JSON traces endpoint (`/v1/traces`) that
 * services export to, keeping every span it is sent. Point OTEL_EXPORTER_OTLP_ENDPOINT at `url`.
 */
export class OtlpCollector {
  readonly spans: CollectedSpan[] = [];
  private readonly peer = new HttpPeer((request, response) => {
    if (request.method === 'POST' && request.url === '/v1/traces') {
      const body = JSON.parse(request.body) as OtlpExport;
      for (const resource of body.resourceSpans ?? []) {
        const service = String(attributesOf(resource.resource?.attributes)['service.name'] ?? '');
        for (const scope of resource.scopeSpans ?? [])
          for (const span of scope.spans ?? [])
            this.spans.push({
              service,
              traceId: span.traceId,
              spanId: span.spanId,
              ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
              name: span.name,
              attributes: attributesOf(span.attributes),
              statusCode: span.status?.code ?? 0,
              startMs: millisOf(span.startTimeUnixNano),
              endMs: millisOf(span.endTimeUnixNano),
            });
      }
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });

  get url(): string {
    return this.peer.origin;
  }

  async start(): Promise<this> {
    await this.peer.start();
    return this;
  }

  stop(): Promise<void> {
    return this.peer.stop();
  }

  /** Every span of one trace. */
  trace(traceId: string): CollectedSpan[] {
    return this.spans.filter((s) => s.traceId === traceId);
  }
}

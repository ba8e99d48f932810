import {
  type Attributes,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

export { SpanKind } from '@opentelemetry/api';
export type { Span } from '@opentelemetry/api';

/**
 * A step's trace crosses processes inside what it already carries — a trigger event, an API-call job, an inbox
 * event, a navigation, an outbox row, a queued send — as one W3C `traceparent` string (`trace` on the payloads).
 * So a trace survives what the payload survives (an outbox replay after a Redis loss, a retry hours later), and
 * each span names its parent explicitly: batches (group commit) mix many steps, so no "current span" is used.
 */
const propagator = new W3CTraceContextPropagator();
/** The global tracer: a no-op until a service turns tracing on (TracingModule), then the SDK's. */
const tracer = trace.getTracer('flowbridge');

/**
 * Starts a span of a step under the context `parent` carries (a new trace when it carries none). With tracing
 * off this is a non-recording span that only passes the parent's context on.
 */
export function startSpan(
  name: string,
  parent: string | undefined,
  attributes: Attributes = {},
  kind: SpanKind = SpanKind.INTERNAL,
): Span {
  const context =
    parent === undefined
      ? ROOT_CONTEXT
      : propagator.extract(ROOT_CONTEXT, { traceparent: parent }, defaultTextMapGetter);
  return tracer.startSpan(name, { kind, attributes }, context);
}

/**
 * The `traceparent` that carries a span to the next hop; undefined when there is no trace to carry (tracing off
 * and none arrived), so payloads grow only when tracing is on.
 */
export function traceparentOf(span: Span): string | undefined {
  if (!trace.isSpanContextValid(span.spanContext())) return undefined;
  const carrier: Record<string, string> = {};
  propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, defaultTextMapSetter);
  return carrier.traceparent;
}

/** The trace id a log line can name, or undefined. */
export function traceIdOf(span: Span): string | undefined {
  const context = span.spanContext();
  return trace.isSpanContextValid(context) ? context.traceId : undefined;
}

/** Ends a span: an error (a throw, or an outcome that is a failure) marks it as one. */
export function endSpan(span: Span, error?: unknown, attributes?: Attributes): void {
  if (attributes) span.setAttributes(attributes);
  if (error !== undefined) {
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : typeof error === 'string' ? error : 'failed',
    });
  }
  span.end();
}

/** Runs `work` in a span that ends with its outcome (a throw marks the span and is thrown on). */
export async function inSpan<T>(
  name: string,
  parent: string | undefined,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
  kind?: SpanKind,
): Promise<T> {
  const span = startSpan(name, parent, attributes, kind);
  try {
    const result = await work(span);
    span.end();
    return result;
  } catch (error) {
    endSpan(span, error);
    throw error;
  }
}

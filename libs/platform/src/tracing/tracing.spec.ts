import { readTriggerEvent } from '@flowbridge/contracts';
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { tracerProviderOf } from './tracer-provider';
import { tracesEndpointOf } from './tracing.module';
import { endSpan, startSpan, traceparentOf } from './tracing';

const config = {
  OTEL_EXPORTER_OTLP_ENDPOINT: undefined,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: undefined,
  OTEL_TRACES_SAMPLER_ARG: 1,
  OTEL_BSP_SCHEDULE_DELAY: 10,
};

describe('tracing', () => {
  it('is off, and adds nothing to payloads, until a service configures an endpoint', () => {
    expect(tracesEndpointOf(config)).toBeUndefined();
    const span = startSpan('whatsapp.webhook', undefined);
    expect(span.isRecording()).toBe(false);
    expect(traceparentOf(span)).toBeUndefined();
    // A trace that arrived is passed on unchanged, so a traced upstream's trace is not cut here.
    const arrived = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect(traceparentOf(startSpan('flow.trigger', arrived))).toBe(arrived);
  });

  it('names the traces endpoint as every OpenTelemetry SDK does', () => {
    expect(tracesEndpointOf({ ...config, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toBe(
      'http://collector:4318/v1/traces',
    );
    expect(
      tracesEndpointOf({
        ...config,
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:9000/otlp',
      }),
    ).toBe('http://traces:9000/otlp');
  });

  describe('on', () => {
    const exporter = new InMemorySpanExporter();
    const provider = tracerProviderOf('worker', config, exporter);
    beforeAll(() => expect(trace.setGlobalTracerProvider(provider)).toBe(true));
    afterAll(() => provider.shutdown());

    it('carries a span to the next hop as a traceparent: its child is in the same trace', async () => {
      const root = startSpan('whatsapp.webhook', undefined);
      const carried = traceparentOf(root)!;
      expect(carried).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      const child = startSpan('flow.trigger', carried, { 'flowbridge.event': 'trigger' });
      endSpan(child, new Error('Postgres refused'));
      endSpan(root);
      await provider.forceFlush();
      const [first, second] = exporter.getFinishedSpans();
      expect(first.name).toBe('flow.trigger');
      expect(first.spanContext().traceId).toBe(root.spanContext().traceId);
      expect(first.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
      expect(first.status).toEqual({ code: 2, message: 'Postgres refused' });
      expect(first.resource.attributes['service.name']).toBe('flowbridge-worker');
      expect(second.parentSpanContext).toBeUndefined();
    });

    it('starts a new trace from a traceparent that does not parse, and the event is still accepted', () => {
      const span = startSpan('flow.trigger', 'not-a-traceparent');
      expect(traceparentOf(span)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      span.end();
      const event = readTriggerEvent({
        version: 1,
        eventId: 'wa:1',
        workspaceId: 'ws',
        channelId: 'c',
        occurredAt: new Date().toISOString(),
        trace: 'not-a-traceparent',
        contact: { waId: '447900100001' },
        source: { type: 'message', messageId: 'wamid.1', message: { kind: 'text', text: 'hi' } },
      });
      expect(typeof event).toBe('object');
    });
  });
});

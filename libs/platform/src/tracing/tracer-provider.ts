import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  type SpanExporter,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import type { TracingConfig } from './tracing.module';

/**
 * The SDK's tracer provider for a service: its spans batched to `exporter`, sampled where a trace starts
 * (`OTEL_TRACES_SAMPLER_ARG`) and followed downstream (a kept trace is kept by every service).
 */
export function tracerProviderOf(
  service: string,
  config: TracingConfig,
  exporter: SpanExporter,
): TracerProvider {
  return new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': `flowbridge-${service}`,
      'service.namespace': 'flowbridge',
    }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.OTEL_TRACES_SAMPLER_ARG) }),
    spanProcessors: [
      new BatchSpanProcessor({ exporter, scheduledDelayMillis: config.OTEL_BSP_SCHEDULE_DELAY }),
    ],
  });
}

/** The provider of a service whose spans go to an OTLP/HTTP collector at `url`. */
export function otlpTracerProvider(service: string, config: TracingConfig, url: string): TracerProvider {
  return tracerProviderOf(service, config, new OTLPTraceExporter({ url }));
}

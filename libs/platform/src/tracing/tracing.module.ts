import { type DynamicModule, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  type SpanExporter,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import type { PlatformConfig } from '../config';

export type TracingConfig = Pick<
  PlatformConfig,
  | 'OTEL_EXPORTER_OTLP_ENDPOINT'
  | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'
  | 'OTEL_TRACES_SAMPLER_ARG'
  | 'OTEL_BSP_SCHEDULE_DELAY'
>;

/** The OTLP traces URL the configuration names, or undefined: tracing off. */
export function tracesEndpointOf(config: TracingConfig): string | undefined {
  if (config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (!config.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  return `${config.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`;
}

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

/** Sends the spans still batched when the service stops. */
@Injectable()
class TracingLifecycle implements OnApplicationShutdown {
  private readonly logger = new Logger('Tracing');

  constructor(private readonly provider: TracerProvider | null) {}

  async onApplicationShutdown(): Promise<void> {
    await this.provider
      ?.shutdown()
      .catch((err: unknown) => this.logger.warn({ err }, 'spans not sent at shutdown'));
  }
}

/**
 * OpenTelemetry for a service, when an OTLP endpoint is configured: the global tracer provider (that
 * `startSpan` uses) set once per process. Without one, the API's no-op tracer stays: spans cost nothing and
 * nothing is added to the payloads.
 */
@Module({})
export class TracingModule {
  static forRoot(service: string, config: TracingConfig): DynamicModule {
    const endpoint = tracesEndpointOf(config);
    let provider: TracerProvider | null = null;
    if (endpoint) {
      provider = tracerProviderOf(service, config, new OTLPTraceExporter({ url: endpoint }));
      // A second service in the same process (tests, benches) keeps the first one's provider.
      if (!trace.setGlobalTracerProvider(provider)) provider = null;
    }
    return {
      module: TracingModule,
      providers: [{ provide: TracingLifecycle, useFactory: () => new TracingLifecycle(provider) }],
    };
  }
}

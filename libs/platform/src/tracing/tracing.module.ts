import { type DynamicModule, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import type { TracerProvider } from '@opentelemetry/sdk-trace';
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
      provider = loadSdk().otlpTracerProvider(service, config, endpoint);
      // A second service in the same process (tests, benches) keeps the first one's provider.
      if (!trace.setGlobalTracerProvider(provider)) provider = null;
    }
    return {
      module: TracingModule,
      providers: [{ provide: TracingLifecycle, useFactory: () => new TracingLifecycle(provider) }],
    };
  }
}

/**
 * The SDK and its OTLP exporter, loaded only when tracing is on: with it off (the default) no service holds
 * their ~2 MB of heap for nothing.
 */
function loadSdk(): typeof import('./tracer-provider') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load, only when tracing is on
  return require('./tracer-provider') as typeof import('./tracer-provider');
}

import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { loadConfig, openApiDocument, type OpenApiInfo } from '@flowbridge/platform';
import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import * as connections from '../../../services/connections/src/app.module';
import { ConnectionsConfig } from '../../../services/connections/src/connections.config';
import * as flowDefinition from '../../../services/flow-definition/src/app.module';
import { FlowDefinitionConfig } from '../../../services/flow-definition/src/flow-definition.config';
import * as messaging from '../../../services/whatsapp-messaging/src/app.module';
import { WhatsappMessagingConfig } from '../../../services/whatsapp-messaging/src/whatsapp-messaging.config';
import * as worker from '../../../services/worker/src/app.module';
import { WorkerConfig } from '../../../services/worker/src/worker.config';

/** The services with an HTTP API, in the order the merged document lists them. */
export const SPEC_SERVICES = ['connections', 'flow-definition', 'whatsapp-messaging', 'worker'] as const;
export type SpecService = (typeof SPEC_SERVICES)[number];

/**
 * Enough configuration for the modules to be described: nothing connects. Nest's preview mode builds the module
 * graph (controllers, their decorators) without creating a provider, so no database or Redis is reached.
 */
const DESCRIBE_ONLY: NodeJS.ProcessEnv = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  DATABASE_URL: 'postgres://describe@127.0.0.1:9/describe',
  REDIS_URL: 'redis://127.0.0.1:9',
  ADMIN_API_KEY: `fb_describe_${randomBytes(18).toString('base64url')}`,
  ADMIN_WORKSPACE: 'describe',
  ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
  INTERNAL_KEY: randomBytes(32).toString('base64'),
};

const MODULES: Record<SpecService, () => { module: DynamicModule; info: OpenApiInfo }> = {
  connections: () => ({
    module: connections.ConnectionsAppModule.forRoot(loadConfig(ConnectionsConfig, DESCRIBE_ONLY)),
    info: connections.OPENAPI,
  }),
  'flow-definition': () => ({
    module: flowDefinition.FlowDefinitionAppModule.forRoot(loadConfig(FlowDefinitionConfig, DESCRIBE_ONLY)),
    info: flowDefinition.OPENAPI,
  }),
  'whatsapp-messaging': () => ({
    module: messaging.WhatsappMessagingAppModule.forRoot(loadConfig(WhatsappMessagingConfig, DESCRIBE_ONLY)),
    info: messaging.OPENAPI,
  }),
  worker: () => ({
    module: worker.WorkerAppModule.forRoot(loadConfig(WorkerConfig, DESCRIBE_ONLY)),
    info: worker.OPENAPI,
  }),
};

/** One service's document, exactly as it serves it on `/docs-json`. */
export async function serviceSpec(service: SpecService): Promise<OpenAPIObject> {
  const { module, info } = MODULES[service]();
  const app = await NestFactory.create(module, { preview: true, logger: false, abortOnError: false });
  try {
    return openApiDocument(app, info);
  } finally {
    await app.close();
  }
}

/**
 * The whole admin API in one document: every service's paths (each operation names the service that serves it,
 * `x-flowbridge-service`), one set of schemas. Two services defining a path, or one schema name differently,
 * is refused: the merged document would be wrong.
 */
export function mergeSpecs(specs: Record<SpecService, OpenAPIObject>): OpenAPIObject {
  const merged: OpenAPIObject = {
    openapi: specs.connections.openapi,
    info: {
      title: 'Flowbridge admin API',
      description:
        'Every admin route of the four services. Each operation names the service that serves it ' +
        '(`x-flowbridge-service`); the console serves them all on one origin.',
      version: specs.connections.info.version,
    },
    paths: {},
    components: { securitySchemes: specs.connections.components?.securitySchemes, schemas: {} },
  };
  const schemas = merged.components!.schemas!;
  for (const service of SPEC_SERVICES) {
    const spec = specs[service];
    for (const [path, item] of Object.entries(spec.paths)) {
      if (merged.paths[path]) throw new Error(`${path} is served by two services (${service} and another)`);
      const tagged = Object.fromEntries(
        Object.entries(item).map(([method, op]) => [method, { ...op, 'x-flowbridge-service': service }]),
      );
      merged.paths[path] = tagged;
    }
    for (const [name, schema] of Object.entries(spec.components?.schemas ?? {})) {
      if (schemas[name] && JSON.stringify(schemas[name]) !== JSON.stringify(schema))
        throw new Error(`schema ${name} is defined differently by ${service} and another service`);
      schemas[name] = schema;
    }
  }
  merged.tags = SPEC_SERVICES.flatMap((s) => specs[s].tags ?? []);
  return merged;
}

/** Every committed document: `admin-api.json` (merged) and one per service. */
export async function allSpecs(): Promise<Record<string, OpenAPIObject>> {
  const specs = {} as Record<SpecService, OpenAPIObject>;
  for (const service of SPEC_SERVICES) specs[service] = await serviceSpec(service);
  return {
    'admin-api.json': mergeSpecs(specs),
    ...Object.fromEntries(SPEC_SERVICES.map((s) => [`${s}.json`, specs[s]])),
  };
}

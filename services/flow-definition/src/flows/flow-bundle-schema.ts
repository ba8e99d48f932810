import { flowBundleSchema } from '@flowbridge/contracts';
import { z } from 'zod';

/** The bundle's JSON Schema for the OpenAPI document, from the zod schema import checks it with. */
export function flowBundleJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(flowBundleSchema, {
    target: 'openapi-3.0',
    io: 'output',
    unrepresentable: 'any',
  }) as unknown as Record<string, unknown> & {
    properties: { flow: { properties: Record<string, unknown> } };
  };
  // The flow's document is the FlowDocument (checked by the engine once imported, like any draft).
  schema.properties.flow.properties.document = { $ref: '#/components/schemas/FlowDocument' };
  return schema;
}

import { z } from 'zod';
import { FormSchema } from '../forms/form-schema';
import {
  ActionSchema,
  ConditionSchema,
  FlowDocumentSchema,
  LayoutSchema,
  MessageSchema,
  ScreenSchema,
  TriggerSchema,
} from './schema';

/** JSON Schema objects by name, their `$ref`s pointing at each other under `refPrefix`. */
export type NamedSchemas = Record<string, Record<string, unknown>>;

/**
 * The flow document's JSON Schema, generated from the zod schema the engine validates with (one source): the
 * document and its parts by name (FlowScreen, FlowTrigger…), as an OpenAPI document's components. What a
 * client may send: defaults are optional. Verify still reports what a schema cannot say (unknown screens…).
 */
export function flowDocumentJsonSchemas(refPrefix = '#/components/schemas/'): NamedSchemas {
  const names = z.registry<{ id: string }>();
  names.add(TriggerSchema, { id: 'FlowTrigger' });
  names.add(ScreenSchema, { id: 'FlowScreen' });
  names.add(MessageSchema, { id: 'FlowMessage' });
  names.add(ActionSchema, { id: 'FlowAction' });
  names.add(ConditionSchema, { id: 'FlowCondition' });
  names.add(FormSchema, { id: 'FlowForm' });
  names.add(LayoutSchema, { id: 'FlowLayout' });
  const generated = z.toJSONSchema(FlowDocumentSchema, {
    target: 'openapi-3.0',
    io: 'input',
    metadata: names,
    unrepresentable: 'any',
    reused: 'inline',
  }) as Record<string, unknown> & { definitions?: NamedSchemas };
  const { definitions = {}, ...document } = generated;
  const all: NamedSchemas = { FlowDocument: document };
  for (const [name, schema] of Object.entries(definitions)) {
    const { id: _id, ...rest } = schema as { id?: string };
    // The only part left unnamed is a JSON value (a variable's default): any value, said plainly, which
    // generated clients can type (its recursive union is one TypeScript cannot).
    all[nameOf(name)] = name.startsWith('__schema') ? { description: 'Any JSON value' } : rest;
  }
  return JSON.parse(
    JSON.stringify(all).replace(/"#\/definitions\/([^"]+)"/g, (_m, name: string) =>
      JSON.stringify(`${refPrefix}${nameOf(name)}`),
    ),
  ) as NamedSchemas;
}

/** zod names the recursive parts it was not told a name for `__schema0`…: the one there is, a JSON value. */
function nameOf(definition: string): string {
  const unnamed = /^__schema(\d+)$/.exec(definition);
  if (!unnamed) return definition;
  return unnamed[1] === '0' ? 'FlowJsonValue' : `FlowJsonValue${unnamed[1]}`;
}

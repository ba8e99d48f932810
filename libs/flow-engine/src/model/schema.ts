import { z } from 'zod';
import { FormLimits, FormSchema } from '../forms/form-schema';
import { FlowLimits } from './limits';

// The flow document (SPEC §2) as a schema, and its types inferred from it: one source for both.
// The schema checks shape only; what needs the whole flow (targets, variables, limits, cycles) is
// checked by validateFlow, so that a draft with problems can still be read and saved.

export const FLOW_SCHEMA_VERSION = 1;

const ID_PATTERN = /^[A-Za-z0-9_-]+$/;
/** A variable a flow sets: an identifier. */
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A variable a flow reads: an identifier, then fields or array indexes. */
export const VARIABLE_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_-]+)*$/;

const text = z.string().max(FlowLimits.templateLength);
const screenId = z
  .string()
  .min(1)
  .max(FlowLimits.idLength)
  .regex(ID_PATTERN, 'must be letters, digits, _ or -');
const target = screenId.optional();
const variableName = z.string().max(FlowLimits.idLength).regex(VARIABLE_NAME, 'must be an identifier');
const variablePath = z.string().max(200).regex(VARIABLE_PATH, 'must be a variable path like a.b.0');

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
const json: z.ZodType<Json> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(json), z.record(z.string(), json)]),
);

// ---- messages -------------------------------------------------------------------------------------------

const option = z.strictObject({ id: z.string().min(1), title: text, next: target });
const listRow = option.extend({ description: text.optional() });

export const MessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text'), text, previewUrl: z.boolean().optional() }),
  z.strictObject({
    type: z.literal('buttons'),
    text,
    header: text.optional(),
    footer: text.optional(),
    buttons: z.array(option).min(1),
  }),
  z.strictObject({
    type: z.literal('list'),
    text,
    button: text,
    header: text.optional(),
    footer: text.optional(),
    sections: z.array(z.strictObject({ title: text.optional(), rows: z.array(listRow).min(1) })).min(1),
  }),
  z.strictObject({
    type: z.literal('media'),
    mediaType: z.enum(['image', 'document', 'video', 'audio']),
    url: text,
    caption: text.optional(),
    filename: text.optional(),
  }),
  /**
   * Opens a WhatsApp Flow: one of this document's `forms` (published with the flow, answered by our data
   * endpoint), or a Flow made elsewhere by its Meta id (`flowId`). With `screen` it opens there (`navigate`),
   * without one the data endpoint answers the first screen (`data_exchange`); `data` (templates over the run's
   * variables) is that screen's data either way.
   */
  z.strictObject({
    type: z.literal('flow'),
    text,
    form: z.string().min(1).max(64).optional(),
    flowId: z.string().min(1).max(100).optional(),
    cta: text,
    screen: z.string().min(1).max(100).optional(),
    data: z.record(z.string(), text).optional(),
    header: text.optional(),
    footer: text.optional(),
  }),
]);

// ---- conditions -----------------------------------------------------------------------------------------

export const DATA_TYPES = ['string', 'number', 'boolean', 'date'] as const;
export const OPERATORS = [
  'is',
  'is_not',
  'contains',
  'not_contains',
  'starts_with',
  'ends_with',
  'gt',
  'gte',
  'lt',
  'lte',
  'exists',
  'not_exists',
  'matches',
] as const;

export const ComparisonSchema = z.strictObject({
  variable: variablePath,
  dataType: z.enum(DATA_TYPES),
  operator: z.enum(OPERATORS),
  value: z.union([z.string().max(1000), z.number(), z.boolean()]).optional(),
  dynamicValue: z.boolean().optional(),
});

export type Comparison = z.infer<typeof ComparisonSchema>;
export type Condition = Comparison | { all: Condition[] } | { any: Condition[] };

export const ConditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    ComparisonSchema,
    z.strictObject({ all: z.array(ConditionSchema).min(1).max(FlowLimits.conditionsPerGroup) }),
    z.strictObject({ any: z.array(ConditionSchema).min(1).max(FlowLimits.conditionsPerGroup) }),
  ]),
);

// ---- actions, input, screens ----------------------------------------------------------------------------

export const ActionSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('data_exchange'),
    api: z.string().min(1).max(100),
    resultVariable: variableName.optional(),
    // Optional in the shape so that a draft can be saved half-done; validation requires both.
    onSuccess: target,
    onFailure: target,
  }),
  z.strictObject({ type: z.literal('if'), condition: ConditionSchema, then: target, else: target }),
  z.strictObject({ type: z.literal('set_variable'), variable: variableName, value: text }),
  z.strictObject({ type: z.literal('navigate'), to: target }),
  z.strictObject({ type: z.literal('end') }),
]);

export const INPUT_TYPES = ['string', 'number', 'email', 'phone', 'date', 'choice'] as const;

export const InputSchema = z.strictObject({
  variable: variableName,
  type: z.enum(INPUT_TYPES),
  /** Sent when a reply does not fit the type; a default text otherwise. */
  reprompt: text.optional(),
});

export const ScreenSchema = z.strictObject({
  id: screenId,
  title: z.string().max(200).optional(),
  messages: z.array(MessageSchema).max(FlowLimits.messagesPerScreen).default([]),
  input: InputSchema.optional(),
  actions: z.array(ActionSchema).max(FlowLimits.actionsPerScreen).default([]),
});

export const TriggerSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('keyword'),
    keywords: z
      .array(z.string().trim().min(1).max(FlowLimits.keywordLength))
      .min(1)
      .max(FlowLimits.keywordsPerTrigger),
    match: z.enum(['exact', 'contains', 'regex']).default('exact'),
  }),
  z.strictObject({ type: z.literal('any_message') }),
  z.strictObject({ type: z.literal('button'), payloads: z.array(z.string().min(1).max(256)).min(1).max(50) }),
  z.strictObject({ type: z.literal('api') }),
]);

const coordinate = z.number().min(-1e6).max(1e6);

export const LayoutSchema = z.strictObject({
  /**
   * A screen's position on the canvas, by screen id (a form's screen by `form:<form id>:<screen id>`); a screen
   * without one is placed automatically.
   */
  screens: z
    .record(z.string().max(200), z.strictObject({ x: coordinate, y: coordinate }))
    .refine((positions) => Object.keys(positions).length <= FlowLimits.screens, {
      message: `at most ${FlowLimits.screens} positions`,
    }),
});

export const FlowDocumentSchema = z.strictObject({
  schemaVersion: z.literal(FLOW_SCHEMA_VERSION),
  name: z.string().trim().min(1).max(200),
  triggers: z.array(TriggerSchema).max(FlowLimits.triggers).default([]),
  startScreen: z.string().max(FlowLimits.idLength).optional(),
  screens: z.array(ScreenSchema).max(FlowLimits.screens).default([]),
  /** WhatsApp forms (Meta's WhatsApp Flows) this flow opens: their screens, footers and API calls. */
  forms: z.array(FormSchema).max(FormLimits.forms).optional(),
  /** Where the Flow Builder draws each screen: editor state, saved with the draft and ignored by runs. */
  layout: LayoutSchema.optional(),
  /** Variables a run starts with (e.g. passed by the API trigger), with their defaults. */
  variables: z
    .array(z.strictObject({ name: variableName, default: json.optional() }))
    .max(100)
    .default([]),
});

export type FlowDocument = z.infer<typeof FlowDocumentSchema>;
export type Screen = z.infer<typeof ScreenSchema>;
export type Message = z.infer<typeof MessageSchema>;
export type Action = z.infer<typeof ActionSchema>;
export type Input = z.infer<typeof InputSchema>;
export type Trigger = z.infer<typeof TriggerSchema>;
export type Layout = z.infer<typeof LayoutSchema>;
export type DataType = (typeof DATA_TYPES)[number];
export type Operator = (typeof OPERATORS)[number];
export type InputType = (typeof INPUT_TYPES)[number];
export type FlowJson = Json;

/** Variables every run has without setting them. */
export const SYSTEM_VARIABLES: ReadonlySet<string> = new Set(['contact', 'trigger', 'run']);

import { z } from 'zod';

// A WhatsApp Flow ("form"): screens that open inside WhatsApp, authored as part of a flow document next to its
// chat screens. The shape only; what needs the whole form (targets, the data each screen reads, the APIs) is
// checked by verifyForm, and the Flow JSON Meta takes is made by toFlowJson.

/** Meta's screen ids: letters and underscores; `SUCCESS` is Meta's own. */
const FORM_SCREEN_ID = /^[A-Za-z_]+$/;
/** A form's own id in the flow document, and a component's name (what `${form.<name>}` reads). */
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const FormLimits = {
  forms: 10,
  screens: 20,
  componentsPerScreen: 50,
  options: 200,
  radioOptions: 20,
  titleLength: 30,
  headingLength: 80,
  bodyLength: 4096,
  footerLabelLength: 35,
  /** The longest a footer's API call may take; the data endpoint holds a request a little longer. */
  deadlineMs: 7000,
} as const;

const screenId = z.string().min(1).max(64).regex(FORM_SCREEN_ID, 'must be letters and underscores');
const name = z.string().min(1).max(64).regex(NAME, 'must be an identifier');
/** Text shown on a screen: may read `${data.x}` and `${form.y}` (Meta's dynamic references). */
const shown = z.string().max(FormLimits.bodyLength);
const heading = z.string().max(FormLimits.headingLength);
const option = z.strictObject({ id: z.string().min(1).max(100), title: z.string().min(1).max(200) });
/** Fixed options, or `${data.x}` naming the screen's data that holds them (e.g. filled from an API). */
const options = z.union([z.array(option).min(1), z.string().regex(/^\$\{data\.[A-Za-z_][A-Za-z0-9_]*\}$/)]);
/** Labels: Meta's own limits differ by component (20 to 120 characters); its validation_errors name the rest. */
const field = {
  name,
  label: z.string().min(1).max(120),
  required: z.boolean().optional(),
  /** Masked in WhatsApp's summary of the answers (Meta's `sensitive`) and in our logs; sent to the API as typed. */
  sensitive: z.boolean().optional(),
};

export const FormComponentSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('TextHeading'), text: heading }),
  z.strictObject({ type: z.literal('TextSubheading'), text: heading }),
  z.strictObject({ type: z.literal('TextBody'), text: shown }),
  z.strictObject({
    type: z.literal('TextInput'),
    ...field,
    inputType: z.enum(['text', 'number', 'email', 'password', 'passcode', 'phone']).optional(),
  }),
  z.strictObject({ type: z.literal('TextArea'), ...field }),
  z.strictObject({ type: z.literal('Dropdown'), ...field, options }),
  z.strictObject({ type: z.literal('RadioButtonsGroup'), ...field, options }),
  z.strictObject({ type: z.literal('CheckboxGroup'), ...field, options }),
  z.strictObject({ type: z.literal('DatePicker'), ...field }),
  z.strictObject({ type: z.literal('OptIn'), ...field }),
]);

/** What a footer sends along: values read from the screen (`${form.x}`, `${data.y}`) or fixed. */
const payload = z.record(name, z.string().max(1000));

export const FooterActionSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('navigate'), next: screenId.optional(), payload: payload.optional() }),
  /** Ends the form: the payload (by default the screen's inputs) comes back to the chat flow as variables. */
  z.strictObject({ type: z.literal('complete'), payload: payload.optional() }),
  /**
   * Asks our data endpoint, which calls the API with the submitted values (as `form.<name>` in its templates)
   * and answers with the success screen, its data made from `apiData`, or the failure screen.
   */
  z.strictObject({
    type: z.literal('data_exchange'),
    api: z.string().min(1).max(100).optional(),
    onSuccess: screenId.optional(),
    onFailure: screenId.optional(),
    /** The success screen's data: each value a template over `api_response` and `form` (e.g. `{{api_response.data.status}}`). */
    apiData: z.record(name, z.string().max(1000)).default({}),
    payload: payload.optional(),
    /**
     * How long the person waits at most, the API's retries included: past it the failure screen is answered.
     * Meta wants endpoint answers in about a second and WhatsApp gives up near ten (default 5 s).
     */
    deadlineMs: z.number().int().min(500).max(FormLimits.deadlineMs).optional(),
  }),
]);

/** A value a screen declares in its `data` (Meta's declared inputs), with an example for Meta's preview. */
export const FormDataFieldSchema = z.strictObject({
  type: z.enum(['string', 'number', 'boolean', 'array']),
  example: z.unknown().optional(),
});

export const FormScreenSchema = z.strictObject({
  id: screenId,
  title: z.string().min(1).max(FormLimits.titleLength),
  /** The values the screen reads as `${data.<name>}`: given by whatever leads to it. */
  data: z.record(name, FormDataFieldSchema).default({}),
  components: z.array(FormComponentSchema).max(FormLimits.componentsPerScreen).default([]),
  footer: z
    .strictObject({ label: z.string().min(1).max(FormLimits.footerLabelLength), action: FooterActionSchema })
    .optional(),
});

export const FORM_CATEGORIES = [
  'SIGN_UP',
  'SIGN_IN',
  'APPOINTMENT_BOOKING',
  'LEAD_GENERATION',
  'CONTACT_US',
  'CUSTOMER_SUPPORT',
  'SURVEY',
  'OTHER',
] as const;

export const FormSchema = z.strictObject({
  id: name,
  /** Its name on the Cloud API. */
  name: z.string().trim().min(1).max(200),
  categories: z.array(z.enum(FORM_CATEGORIES)).min(1).default(['OTHER']),
  startScreen: screenId.optional(),
  screens: z.array(FormScreenSchema).max(FormLimits.screens).default([]),
});

export type Form = z.infer<typeof FormSchema>;
export type FormScreen = z.infer<typeof FormScreenSchema>;
export type FormComponent = z.infer<typeof FormComponentSchema>;
export type FooterAction = z.infer<typeof FooterActionSchema>;

/** The components a person fills in: their values are `${form.<name>}` on their screen. */
export function inputsOf(screen: FormScreen): Array<Extract<FormComponent, { name: string }>> {
  return screen.components.filter((c): c is Extract<FormComponent, { name: string }> => 'name' in c);
}

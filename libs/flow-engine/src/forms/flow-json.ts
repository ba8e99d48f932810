import { type FooterAction, type Form, type FormComponent, type FormScreen, inputsOf } from './form-schema';

/** The Flow JSON version generated, and the data endpoint's API version (WHATSAPP-FLOWS.md). */
export const FLOW_JSON_VERSION = '7.1';
export const DATA_API_VERSION = '3.0';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Meta's `__example__` for a declared value, when the author gave none. */
const EXAMPLES: Record<string, Json> = { string: 'Example', number: 1, boolean: true, array: [] };

/**
 * The Flow JSON Meta takes for a form (`POST /{flow-id}/assets`): each screen with its declared `data`, its
 * components and its footer in a SingleColumnLayout; `terminal` on the screens that complete; and, since the
 * footers' `data_exchange` go to our data endpoint, `data_api_version` and the `routing_model` (every screen's
 * possible next screens). A form verified by verifyForm maps one to one.
 */
export function toFlowJson(form: Form): { [key: string]: Json } {
  const usesEndpoint = form.screens.some((s) => s.footer?.action.type === 'data_exchange');
  return {
    version: FLOW_JSON_VERSION,
    ...(usesEndpoint ? { data_api_version: DATA_API_VERSION, routing_model: routingModel(form) } : {}),
    screens: form.screens.map(screenJson),
  };
}

/** Each screen's possible next screens (Meta checks every navigation and endpoint answer against it). */
export function routingModel(form: Form): Record<string, string[]> {
  return Object.fromEntries(form.screens.map((s) => [s.id, nextScreens(s.footer?.action)]));
}

function nextScreens(action: FooterAction | undefined): string[] {
  if (!action || action.type === 'complete') return [];
  const next = action.type === 'navigate' ? [action.next] : [action.onSuccess, action.onFailure];
  return [...new Set(next.filter((id): id is string => typeof id === 'string'))];
}

function screenJson(screen: FormScreen): { [key: string]: Json } {
  const action = screen.footer?.action;
  return {
    id: screen.id,
    title: screen.title,
    ...(action?.type === 'complete' ? { terminal: true, success: true } : {}),
    ...(sensitiveInputs(screen).length > 0 ? { sensitive: sensitiveInputs(screen) } : {}),
    data: Object.fromEntries(
      Object.entries(screen.data).map(([name, field]) => [
        name,
        {
          type: field.type,
          ...(field.type === 'array'
            ? { items: { type: 'object', properties: { id: { type: 'string' }, title: { type: 'string' } } } }
            : {}),
          __example__: (field.example as Json | undefined) ?? EXAMPLES[field.type],
        },
      ]),
    ),
    layout: {
      type: 'SingleColumnLayout',
      children: [
        ...screen.components.map(componentJson),
        ...(screen.footer ? [footerJson(screen, screen.footer.label, screen.footer.action)] : []),
      ],
    },
  };
}

/** The inputs whose values WhatsApp masks in the summary of the answers (and we in our logs). */
export function sensitiveInputs(screen: FormScreen): string[] {
  return inputsOf(screen)
    .filter((input) => input.sensitive)
    .map((input) => input.name);
}

function componentJson(component: FormComponent): { [key: string]: Json } {
  switch (component.type) {
    case 'TextHeading':
    case 'TextSubheading':
    case 'TextBody':
      return { type: component.type, text: component.text };
    case 'TextInput':
      return {
        type: component.type,
        name: component.name,
        label: component.label,
        'input-type': component.inputType ?? 'text',
        required: component.required ?? false,
      };
    case 'Dropdown':
    case 'RadioButtonsGroup':
    case 'CheckboxGroup':
      return {
        type: component.type,
        name: component.name,
        label: component.label,
        'data-source': component.options,
        required: component.required ?? false,
      };
    case 'TextArea':
    case 'DatePicker':
    case 'OptIn':
      return {
        type: component.type,
        name: component.name,
        label: component.label,
        required: component.required ?? false,
      };
  }
}

/** A footer's action in Meta's words; without a payload of its own, it sends every input of its screen. */
function footerJson(screen: FormScreen, label: string, action: FooterAction): { [key: string]: Json } {
  const payload =
    action.payload ??
    Object.fromEntries(inputsOf(screen).map((input) => [input.name, `\${form.${input.name}}`]));
  const onClick: { [key: string]: Json } =
    action.type === 'navigate'
      ? { name: 'navigate', next: { type: 'screen', name: action.next ?? '' }, payload }
      : { name: action.type, payload };
  return { type: 'Footer', label, 'on-click-action': onClick };
}

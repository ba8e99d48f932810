import type { AdminClient, Schemas } from '@flowbridge/api-client';
import { useState } from 'react';
import { Field } from '../Field';
import { ApiPicker } from './ActionEditor';
import { PanelActions, useEditedCopy } from './panel';
import { type FooterAction, fieldIdOf, type FormScreen, idOf, type Problem } from './draft';
import { type ScreenChoice, ScreenSelect } from './ScreenSelect';

type Component = NonNullable<FormScreen['components']>[number];
/** The components the panel adds; options-based ones (dropdowns, radio buttons) are edited through the API. */
const NEW_COMPONENTS: Array<{ type: Component['type']; label: string; create: (n: number) => Component }> = [
  { type: 'TextHeading', label: 'Heading', create: () => ({ type: 'TextHeading', text: 'Heading' }) },
  { type: 'TextBody', label: 'Text', create: () => ({ type: 'TextBody', text: '' }) },
  {
    type: 'TextInput',
    label: 'Text input',
    create: (n) => ({ type: 'TextInput', name: `field_${n}`, label: 'Your answer', required: true }),
  },
  {
    type: 'TextArea',
    label: 'Text area',
    create: (n) => ({ type: 'TextArea', name: `field_${n}`, label: 'Details' }),
  },
  {
    type: 'DatePicker',
    label: 'Date',
    create: (n) => ({ type: 'DatePicker', name: `field_${n}`, label: 'Date' }),
  },
  {
    type: 'OptIn',
    label: 'Opt-in',
    create: (n) => ({ type: 'OptIn', name: `field_${n}`, label: 'I agree' }),
  },
];
const FOOTER_ACTIONS: Array<{ type: FooterAction['type']; label: string }> = [
  { type: 'complete', label: 'Complete the form' },
  { type: 'navigate', label: 'Go to a screen (navigate)' },
  { type: 'data_exchange', label: 'Call an API (data_exchange)' },
];

/**
 * One screen of a WhatsApp form: its title, its components, and its footer: a label and the action it takes
 * ("Edit Action"): complete, navigate, or data_exchange with the API, the success and failure screens and the
 * success screen's data ("API data"). "Update Component" puts it into the draft and saves.
 */
export function FormScreenPanel({
  api,
  screen,
  at,
  screens,
  problems,
  focus,
  apis,
  connections,
  onApiCreated,
  onUpdate,
}: {
  api: AdminClient;
  screen: FormScreen;
  /** Its path in the document: `forms[f].screens[s]`. */
  at: string;
  screens: ScreenChoice[];
  problems: Problem[];
  focus: { path: string } | null;
  apis: Schemas['ApiView'][];
  connections: Schemas['ConnectionView'][];
  onApiCreated: () => Promise<void>;
  onUpdate: (screen: FormScreen) => Promise<void>;
}) {
  const { edited, setEdited, busy, update, undo } = useEditedCopy(screen, focus, onUpdate);

  const errorAt = (path: string) =>
    problems
      .filter((p) => p.path === `${at}.${path}`)
      .map((p) => p.message)
      .join('; ') || null;
  const id = (path: string) => fieldIdOf(`${at}.${path}`);
  const components = edited.components ?? [];
  const setComponents = (next: Component[]) => setEdited((s) => ({ ...s, components: next }));
  const footer = edited.footer ?? { label: 'Continue', action: { type: 'complete' as const } };
  const setAction = (action: FooterAction) => setEdited((s) => ({ ...s, footer: { ...footer, action } }));
  const action = footer.action;
  const others = problems.filter(
    (p) => !/\.(title|components\[\d+\]\.\w+|footer\.(label|action\.\w+))$/.test(p.path),
  );

  return (
    <div className="panel" role="form" aria-label={`Form screen ${edited.title}`}>
      <h2>
        {edited.title} <code>{edited.id}</code>
      </h2>
      {others.map((p, i) => (
        <p key={i} className={p.severity === 'error' ? 'error' : 'hint'}>
          {p.message}
        </p>
      ))}
      <Field id={id('title')} label="Title" error={errorAt('title')}>
        <input value={edited.title} onChange={(e) => setEdited((s) => ({ ...s, title: e.target.value }))} />
      </Field>

      <h3>Components</h3>
      {components.map((c, i) => (
        <fieldset key={i} className="item">
          <legend>{NEW_COMPONENTS.find((n) => n.type === c.type)?.label ?? c.type}</legend>
          {'text' in c && (
            <Field id={id(`components[${i}].text`)} label="Text" error={errorAt(`components[${i}].text`)}>
              <input
                value={c.text}
                onChange={(e) =>
                  setComponents(components.map((x, j) => (j === i ? { ...c, text: e.target.value } : x)))
                }
              />
            </Field>
          )}
          {'label' in c && (
            <>
              <Field
                id={id(`components[${i}].label`)}
                label="Label"
                error={errorAt(`components[${i}].label`)}
              >
                <input
                  value={c.label}
                  onChange={(e) =>
                    setComponents(
                      components.map((x, j) =>
                        j === i
                          ? {
                              ...c,
                              label: e.target.value,
                              name: idOf(e.target.value).replace(/^(\d)/, 'f_$1'),
                            }
                          : x,
                      ),
                    )
                  }
                />
              </Field>
              <p className="hint">
                Sent as <code>form.{c.name}</code>
              </p>
              <label className="check">
                <input
                  type="checkbox"
                  checked={c.required ?? false}
                  onChange={(e) =>
                    setComponents(
                      components.map((x, j) => (j === i ? { ...c, required: e.target.checked } : x)),
                    )
                  }
                />
                Required
              </label>
            </>
          )}
          <button
            type="button"
            className="quiet"
            onClick={() => setComponents(components.filter((_x, j) => j !== i))}
          >
            Remove component
          </button>
        </fieldset>
      ))}
      <Field id={`add-component-${edited.id}`} label="Add a component">
        <select
          value=""
          onChange={(e) => {
            const make = NEW_COMPONENTS.find((n) => n.type === e.target.value);
            if (make) setComponents([...components, make.create(components.length + 1)]);
          }}
        >
          <option value="">Choose…</option>
          {NEW_COMPONENTS.map((n) => (
            <option key={n.type} value={n.type}>
              {n.label}
            </option>
          ))}
        </select>
      </Field>

      <h3>Footer</h3>
      <Field id={id('footer.label')} label="Footer button" error={errorAt('footer.label')}>
        <input
          value={footer.label}
          onChange={(e) => setEdited((s) => ({ ...s, footer: { ...footer, label: e.target.value } }))}
        />
      </Field>
      <Field id={id('footer.action')} label="Edit Action" error={errorAt('footer.action')}>
        <select
          value={action.type}
          onChange={(e) => {
            const type = e.target.value as FooterAction['type'];
            setAction(type === 'data_exchange' ? { type, apiData: {} } : { type });
          }}
        >
          {FOOTER_ACTIONS.map((a) => (
            <option key={a.type} value={a.type}>
              {a.label}
            </option>
          ))}
        </select>
      </Field>
      {action.type === 'navigate' && (
        <Field id={id('footer.action.next')} label="Next screen" error={errorAt('footer.action.next')}>
          <ScreenSelect
            value={action.next}
            screens={screens}
            onChange={(next) => setAction({ ...action, next })}
          />
        </Field>
      )}
      {action.type === 'data_exchange' && (
        <>
          <ApiPicker
            api={api}
            id={id('footer.action.api')}
            error={errorAt('footer.action.api')}
            value={action.api}
            apis={apis}
            connections={connections}
            onApiCreated={onApiCreated}
            onChange={(picked) => setAction({ ...action, api: picked || undefined })}
          />
          <Field
            id={id('footer.action.onSuccess')}
            label="On success, go to"
            error={errorAt('footer.action.onSuccess')}
          >
            <ScreenSelect
              value={action.onSuccess}
              screens={screens}
              onChange={(onSuccess) => setAction({ ...action, onSuccess })}
            />
          </Field>
          <Field
            id={id('footer.action.onFailure')}
            label="On failure, go to"
            error={errorAt('footer.action.onFailure')}
          >
            <ScreenSelect
              value={action.onFailure}
              screens={screens}
              onChange={(onFailure) => setAction({ ...action, onFailure })}
            />
          </Field>
          <ApiData
            value={action.apiData ?? {}}
            fieldId={(name) => id(`footer.action.apiData.${name}`)}
            onChange={(apiData) => setAction({ ...action, apiData })}
          />
        </>
      )}

      <PanelActions busy={busy} onUpdate={update} onUndo={undo} />
    </div>
  );
}

/** The success screen's data: each value a template over the API's answer (`{{api_response.data.status}}`). */
function ApiData({
  value,
  fieldId,
  onChange,
}: {
  value: Record<string, string>;
  fieldId: (name: string) => string;
  onChange: (value: Record<string, string>) => void;
}) {
  const [name, setName] = useState('');
  const entries = Object.entries(value);
  return (
    <fieldset className="inline">
      <legend>API data (the success screen's data)</legend>
      {entries.map(([key, template]) => (
        <div key={key} className="row">
          <Field id={fieldId(key)} label={key}>
            <input value={template} onChange={(e) => onChange({ ...value, [key]: e.target.value })} />
          </Field>
          <button
            type="button"
            className="quiet"
            onClick={() => onChange(Object.fromEntries(entries.filter(([k]) => k !== key)))}
            aria-label={`Remove ${key}`}
          >
            Remove
          </button>
        </div>
      ))}
      <div className="row">
        <Field id={fieldId('new')} label="Data name">
          <input value={name} placeholder="order_status" onChange={(e) => setName(e.target.value)} />
        </Field>
        <button
          type="button"
          className="quiet"
          disabled={!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || name in value}
          onClick={() => {
            onChange({ ...value, [name]: `{{api_response.data.${name}}}` });
            setName('');
          }}
        >
          Add data
        </button>
      </div>
    </fieldset>
  );
}

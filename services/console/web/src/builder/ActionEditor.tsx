import type { AdminClient, Schemas } from '@flowbridge/api-client';
import { useState } from 'react';
import { ApiForm } from '../ApiForm';
import { Field } from '../Field';
import { type Action, fieldIdOf } from './draft';
import { type ScreenChoice, ScreenSelect } from './ScreenSelect';

type Comparison = Extract<Schemas['FlowCondition'], { variable: string }>;
const DATA_TYPES = ['string', 'number', 'boolean', 'date'] as const;
const OPERATORS = [
  ['is', 'is'],
  ['is_not', 'is not'],
  ['contains', 'contains'],
  ['not_contains', 'does not contain'],
  ['starts_with', 'starts with'],
  ['ends_with', 'ends with'],
  ['gt', 'greater than'],
  ['gte', 'at least'],
  ['lt', 'less than'],
  ['lte', 'at most'],
  ['exists', 'exists'],
  ['not_exists', 'does not exist'],
  ['matches', 'matches (regex)'],
] as const;

/** The actions "Add an action" offers, each with what a new one starts as. */
export const NEW_ACTIONS: Array<{ type: Action['type']; label: string; create: (apiId?: string) => Action }> =
  [
    {
      type: 'data_exchange',
      label: 'Call an API (data_exchange)',
      create: (apiId) => ({ type: 'data_exchange', api: apiId ?? '', resultVariable: 'api_response' }),
    },
    {
      type: 'if',
      label: 'If Statement',
      create: () => ({
        type: 'if',
        condition: { variable: 'api_response.status', dataType: 'string', operator: 'is', value: 'success' },
      }),
    },
    { type: 'navigate', label: 'Go to a screen', create: () => ({ type: 'navigate' }) },
    {
      type: 'set_variable',
      label: 'Set a variable',
      create: () => ({ type: 'set_variable', variable: 'name', value: '' }),
    },
    { type: 'end', label: 'End the run', create: () => ({ type: 'end' }) },
  ];

/** One action of a screen, with the fields of its kind. */
export function ActionEditor({
  api,
  action,
  path,
  errorAt,
  screens,
  apis,
  connections,
  onApiCreated,
  onChange,
  onRemove,
}: {
  api: AdminClient;
  action: Action;
  path: string;
  errorAt: (path: string) => string | null;
  screens: ScreenChoice[];
  apis: Schemas['ApiView'][];
  connections: Schemas['ConnectionView'][];
  onApiCreated: () => Promise<void>;
  onChange: (action: Action) => void;
  onRemove: () => void;
}) {
  const id = (field: string) => fieldIdOf(`${path}.${field}`);
  const target = (
    field: string,
    label: string,
    value: string | undefined,
    set: (v: string | undefined) => void,
  ) => (
    <Field id={id(field)} label={label} error={errorAt(`.${field}`)}>
      <ScreenSelect value={value} screens={screens} onChange={set} />
    </Field>
  );
  const legend = NEW_ACTIONS.find((n) => n.type === action.type)?.label ?? action.type;

  return (
    <fieldset className="item" id={fieldIdOf(path)} tabIndex={-1}>
      <legend>{legend}</legend>
      {errorAt('') && <p className="error">{errorAt('')}</p>}
      {action.type === 'data_exchange' && (
        <DataExchange
          api={api}
          action={action}
          fieldId={id}
          errorAt={errorAt}
          apis={apis}
          connections={connections}
          onApiCreated={onApiCreated}
          onChange={onChange}
        />
      )}
      {action.type === 'data_exchange' && (
        <>
          {target('onSuccess', 'On success, go to', action.onSuccess, (onSuccess) =>
            onChange({ ...action, onSuccess }),
          )}
          {target('onFailure', 'On failure, go to', action.onFailure, (onFailure) =>
            onChange({ ...action, onFailure }),
          )}
        </>
      )}
      {action.type === 'if' && (
        <>
          <IfStatement
            condition={action.condition}
            fieldId={(f) => id(`condition.${f}`)}
            errorAt={(f) => errorAt(`.condition.${f}`) ?? errorAt('.condition')}
            onChange={(condition) => onChange({ ...action, condition })}
          />
          {target('then', 'Then go to', action.then, (then) => onChange({ ...action, then }))}
          {target('else', 'Else go to', action.else, (otherwise) => onChange({ ...action, else: otherwise }))}
        </>
      )}
      {action.type === 'navigate' && target('to', 'Go to', action.to, (to) => onChange({ ...action, to }))}
      {action.type === 'set_variable' && (
        <>
          <Field id={id('variable')} label="Variable" error={errorAt('.variable')}>
            <input
              value={action.variable}
              onChange={(e) => onChange({ ...action, variable: e.target.value })}
            />
          </Field>
          <Field id={id('value')} label="Value (may hold {{variables}})" error={errorAt('.value')}>
            <input value={action.value} onChange={(e) => onChange({ ...action, value: e.target.value })} />
          </Field>
        </>
      )}
      <button type="button" className="quiet" onClick={onRemove}>
        Remove action
      </button>
    </fieldset>
  );
}

/** A chat screen's API call: which API, and the variable its answer is saved in. */
function DataExchange({
  api,
  action,
  fieldId,
  errorAt,
  apis,
  connections,
  onApiCreated,
  onChange,
}: {
  api: AdminClient;
  action: Extract<Action, { type: 'data_exchange' }>;
  fieldId: (field: string) => string;
  errorAt: (path: string) => string | null;
  apis: Schemas['ApiView'][];
  connections: Schemas['ConnectionView'][];
  onApiCreated: () => Promise<void>;
  onChange: (action: Action) => void;
}) {
  return (
    <>
      <ApiPicker
        api={api}
        id={fieldId('api')}
        error={errorAt('.api')}
        value={action.api}
        apis={apis}
        connections={connections}
        onApiCreated={onApiCreated}
        onChange={(id) => onChange({ ...action, api: id })}
      />
      <Field id={fieldId('resultVariable')} label="Save the answer as" error={errorAt('.resultVariable')}>
        <input
          value={action.resultVariable ?? ''}
          placeholder="api_response"
          onChange={(e) => onChange({ ...action, resultVariable: e.target.value || undefined })}
        />
      </Field>
    </>
  );
}

/**
 * "Select or Create API Integration": the API dropdown, and "Create New Config" inline, whose new API
 * ("API details created successfully") is chosen at once.
 */
export function ApiPicker({
  api,
  id,
  error,
  value,
  apis,
  connections,
  onApiCreated,
  onChange,
}: {
  api: AdminClient;
  id: string;
  error: string | null;
  value: string | undefined;
  apis: Schemas['ApiView'][];
  connections: Schemas['ConnectionView'][];
  onApiCreated: () => Promise<void>;
  onChange: (id: string) => void;
}) {
  const [creating, setCreating] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <>
      <Field id={id} label="Select or Create API Integration" error={error}>
        <select value={value ?? ''} onChange={(e) => onChange(e.target.value)}>
          <option value="">— choose an API —</option>
          {value && !apis.some((a) => a.id === value) && <option value={value}>{value} (no such API)</option>}
          {apis.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
        </select>
      </Field>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {!creating ? (
        <button
          type="button"
          className="quiet"
          onClick={() => (setCreating(true), setNotice(null))}
          disabled={connections.length === 0}
          title={connections.length === 0 ? 'Add an API connection first' : undefined}
        >
          Create New Config
        </button>
      ) : (
        <ApiForm
          api={api}
          connections={connections}
          label="Create New Config"
          onCancel={() => setCreating(false)}
          onSaved={async (created) => {
            await onApiCreated();
            onChange(created.id);
            setCreating(false);
            setNotice('API details created successfully');
          }}
        />
      )}
    </>
  );
}

/** The If Statement's five fields: Variable, Data Type, Operator, Value and Dynamic Value. */
function IfStatement({
  condition,
  fieldId,
  errorAt,
  onChange,
}: {
  condition: Schemas['FlowCondition'];
  fieldId: (field: string) => string;
  errorAt: (field: string) => string | null;
  onChange: (condition: Comparison) => void;
}) {
  if (!('variable' in condition))
    return (
      <p className="hint">A group of conditions (all / any): edited through the API; kept as it is here.</p>
    );
  const set = (change: Partial<Comparison>) => onChange({ ...condition, ...change });
  const noValue = condition.operator === 'exists' || condition.operator === 'not_exists';
  return (
    <>
      <Field id={fieldId('variable')} label="Variable" error={errorAt('variable')}>
        <input value={condition.variable} onChange={(e) => set({ variable: e.target.value })} />
      </Field>
      <Field id={fieldId('dataType')} label="Data Type" error={errorAt('dataType')}>
        <select
          value={condition.dataType}
          onChange={(e) => set({ dataType: e.target.value as Comparison['dataType'] })}
        >
          {DATA_TYPES.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
      </Field>
      <Field id={fieldId('operator')} label="Operator" error={errorAt('operator')}>
        <select
          value={condition.operator}
          onChange={(e) => set({ operator: e.target.value as Comparison['operator'] })}
        >
          {OPERATORS.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </Field>
      {!noValue && (
        <Field
          id={fieldId('value')}
          label={condition.dynamicValue ? 'Value (a variable path)' : 'Value'}
          error={errorAt('value')}
        >
          <input
            value={condition.value === undefined ? '' : String(condition.value)}
            onChange={(e) => set({ value: e.target.value })}
          />
        </Field>
      )}
      <label className="check">
        <input
          id={fieldId('dynamicValue')}
          type="checkbox"
          checked={condition.dynamicValue ?? false}
          onChange={(e) => set({ dynamicValue: e.target.checked })}
        />
        Dynamic Value (compare with another variable)
      </label>
    </>
  );
}

import { type AdminClient, AdminApiError, must, type Schemas } from '@flowbridge/api-client';
import { type FormEvent, useState } from 'react';
import { messageOf } from './errors';
import { Field, FormButtons } from './Field';

type Api = Schemas['ApiView'];
type Connection = Schemas['ConnectionView'];
type SuccessWhen = Schemas['SuccessWhenView'];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;
const BODY_OPERATORS = ['is', 'is_not', 'exists', 'not_exists'] as const;
/** The fields an API error can name, each shown under its control; any other error is the form's. */
const FIELDS = ['name', 'connectionId', 'path', 'query', 'headers', 'body', 'successWhen', 'responseMapping'];

/**
 * An API of a connection, created ("Add API Data") or edited: name, method and path, query, headers, body
 * template, success criteria and response mapping. JSON parts are typed as JSON and checked before sending;
 * a secret header the API shows masked is left as it is unless retyped.
 */
export function ApiForm({
  api,
  connections,
  editing,
  onSaved,
  onCancel,
  label = editing ? `Edit ${editing.name}` : 'Add API Data',
}: {
  api: AdminClient;
  connections: Connection[];
  editing?: Api;
  onSaved: (saved: Api) => Promise<void> | void;
  onCancel: () => void;
  label?: string;
}) {
  /** A JSON part as text to edit: empty for none (no value, or an empty object). */
  const json = (value: unknown) =>
    value === undefined || value === null || (typeof value === 'object' && Object.keys(value).length === 0)
      ? ''
      : JSON.stringify(value, null, 1);
  const [name, setName] = useState(editing?.name ?? '');
  const [connectionId, setConnectionId] = useState(editing?.connectionId ?? connections[0]?.id ?? '');
  const [method, setMethod] = useState<(typeof METHODS)[number]>(editing?.method ?? 'GET');
  const [path, setPath] = useState(editing?.path ?? '/');
  const [query, setQuery] = useState(json(editing?.query));
  const [headers, setHeaders] = useState(json(editing && unmaskedHeaders(editing.headers)));
  const [body, setBody] = useState(editing?.body == null ? '' : JSON.stringify(editing.body, null, 1));
  const [statuses, setStatuses] = useState((editing?.successWhen.status ?? ['2xx']).join(', '));
  const [bodyCheck, setBodyCheck] = useState<NonNullable<SuccessWhen['body']>>(
    editing?.successWhen.body ?? {},
  );
  const [mapping, setMapping] = useState(json(editing?.responseMapping));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const prefix = editing ? `api-${editing.id}` : 'api-new';
  const id = (field: string) => `${prefix}-${field}`;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const parsed: Record<string, unknown> = {};
    const problems: Record<string, string> = {};
    for (const [field, text, example] of [
      ['query', query, '{"include": "items"}'],
      ['headers', headers, '{"x-client": "flowbridge"}'],
      ['body', body, '{"orderId": "{{order_id}}"}'],
      ['responseMapping', mapping, '{"order_status": "data.status"}'],
    ] as const) {
      if (text.trim() === '') continue;
      try {
        parsed[field] = JSON.parse(text);
      } catch {
        problems[field] = `Write this as JSON, e.g. ${example}`;
      }
    }
    setErrors(problems);
    if (Object.keys(problems).length > 0) return;
    const status = statuses
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    const successWhen: SuccessWhen = { status, ...(bodyCheck.path ? { body: bodyCheck } : {}) };
    const fields = {
      name: name.trim(),
      connectionId,
      method,
      path,
      query: (parsed.query as Record<string, unknown>) ?? {},
      body: (parsed.body ?? null) as Schemas['CreateApiDto']['body'],
      successWhen,
      responseMapping: (parsed.responseMapping as Record<string, string>) ?? {},
      headers: headersToSave(editing, (parsed.headers as Record<string, string>) ?? {}),
    };
    setBusy(true);
    try {
      const saved = editing
        ? must(await api.PATCH('/apis/{id}', { params: { path: { id: editing.id } }, body: fields }))
        : must(await api.POST('/apis', { body: fields }));
      await onSaved(saved);
    } catch (error) {
      const field = error instanceof AdminApiError && error.field ? error.field.split(/[.[]/)[0] : 'form';
      setErrors({ [FIELDS.includes(field) ? field : 'form']: messageOf(error) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-label={label}>
      <h2>{label}</h2>
      <Field id={id('name')} label="API Name" error={errors.name}>
        <input value={name} onChange={(e) => setName(e.target.value)} required />
      </Field>
      <Field id={id('connectionId')} label="Connection" error={errors.connectionId}>
        <select value={connectionId} onChange={(e) => setConnectionId(e.target.value)}>
          {connections.map((c) => (
            <option key={c.id} value={c.id}>
              {c.title}
            </option>
          ))}
        </select>
      </Field>
      <Field id={id('method')} label="Method">
        <select value={method} onChange={(e) => setMethod(e.target.value as (typeof METHODS)[number])}>
          {METHODS.map((m) => (
            <option key={m}>{m}</option>
          ))}
        </select>
      </Field>
      <Field id={id('path')} label="Path (may hold {{variables}})" error={errors.path}>
        <input value={path} onChange={(e) => setPath(e.target.value)} required />
      </Field>
      <Field id={id('query')} label="Query parameters (JSON, optional)" error={errors.query}>
        <textarea rows={2} value={query} onChange={(e) => setQuery(e.target.value)} />
      </Field>
      <Field id={id('headers')} label="Headers (JSON, optional)" error={errors.headers}>
        <textarea rows={2} value={headers} onChange={(e) => setHeaders(e.target.value)} />
      </Field>
      {editing && Object.values(editing.headers).some(isMasked) && (
        <p className="hint">Secret headers are kept as they are unless you type them again.</p>
      )}
      <Field id={id('body')} label="Body template (JSON, optional)" error={errors.body}>
        <textarea rows={3} value={body} onChange={(e) => setBody(e.target.value)} />
      </Field>
      <Field id={id('successWhen')} label="Success when the status is" error={errors.successWhen}>
        <input value={statuses} onChange={(e) => setStatuses(e.target.value)} placeholder="2xx, 304" />
      </Field>
      <fieldset className="inline">
        <legend>…and the body (optional)</legend>
        <Field id={id('successBodyPath')} label="Body path">
          <input
            value={bodyCheck.path ?? ''}
            placeholder="data.ok"
            onChange={(e) => setBodyCheck((b) => ({ ...b, path: e.target.value }))}
          />
        </Field>
        <Field id={id('successBodyOperator')} label="Operator">
          <select
            value={bodyCheck.operator ?? 'is'}
            onChange={(e) =>
              setBodyCheck((b) => ({ ...b, operator: e.target.value as (typeof BODY_OPERATORS)[number] }))
            }
          >
            {BODY_OPERATORS.map((o) => (
              <option key={o} value={o}>
                {o.replace('_', ' ')}
              </option>
            ))}
          </select>
        </Field>
        <Field id={id('successBodyValue')} label="Value">
          <input
            value={bodyCheck.value ?? ''}
            onChange={(e) => setBodyCheck((b) => ({ ...b, value: e.target.value }))}
          />
        </Field>
      </fieldset>
      <Field
        id={id('responseMapping')}
        label="Response mapping (JSON, optional)"
        error={errors.responseMapping}
      >
        <textarea rows={2} value={mapping} onChange={(e) => setMapping(e.target.value)} />
      </Field>
      <FormButtons
        error={errors.form}
        busy={busy}
        submit={editing ? 'Save API' : 'Add API Data'}
        onCancel={onCancel}
      />
    </form>
  );
}

/** How the API shows a secret it keeps: masked (`••••` and at most a hint of its end), never in clear. */
function isMasked(value: string): boolean {
  return value.startsWith('••••');
}

/**
 * The headers to send. A new API takes them as typed. An edit merges (PATCH): a plain header taken out of the
 * text is removed (null), and a masked secret one, never shown in clear, is left as it is unless retyped.
 */
function headersToSave(
  editing: Api | undefined,
  typed: Record<string, string>,
): Record<string, string | null> {
  if (!editing) return typed;
  const removed = Object.keys(unmaskedHeaders(editing.headers)).filter((name) => !(name in typed));
  return { ...Object.fromEntries(removed.map((name) => [name, null])), ...typed };
}

/** The headers to edit: the plain ones; masked secrets stay out of the text (and so unchanged). */
function unmaskedHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([, v]) => !isMasked(v)));
}

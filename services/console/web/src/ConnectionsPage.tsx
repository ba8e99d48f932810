import { type AdminClient, AdminApiError, must, type Schemas } from '@flowbridge/api-client';
import { messageOf } from './errors';
import { Field } from './Field';
import { Outcome } from './Outcome';
import { type FormEvent, useCallback, useEffect, useState } from 'react';

type Connection = Schemas['ConnectionView'];
type TestResult = Schemas['ConnectionTestResult'];

/** "API Connections": the workspace's connections, Add Connection, Verify and Delete. */
export function ConnectionsPage({ api }: { api: AdminClient }) {
  const [items, setItems] = useState<Connection[] | null>(null);
  const [adding, setAdding] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [tests, setTests] = useState<Record<string, TestResult | 'testing'>>({});

  const load = useCallback(async () => {
    try {
      setItems(must(await api.GET('/connections', { params: { query: { limit: 200 } } })).items);
    } catch (error) {
      setProblem(messageOf(error));
    }
  }, [api]);
  useEffect(() => void load(), [load]);

  async function verify(connection: Connection) {
    setTests((t) => ({ ...t, [connection.id]: 'testing' }));
    try {
      const result = must(
        await api.POST('/connections/{id}/test', { params: { path: { id: connection.id } } }),
      );
      setTests((t) => ({ ...t, [connection.id]: result }));
    } catch (error) {
      setTests((t) => {
        const { [connection.id]: _, ...rest } = t;
        return rest;
      });
      setProblem(messageOf(error));
    }
  }

  async function remove(connection: Connection) {
    setProblem(null);
    try {
      must(await api.DELETE('/connections/{id}', { params: { path: { id: connection.id } } }));
      await load();
      setNotice(`Connection "${connection.title}" deleted`);
    } catch (error) {
      setProblem(messageOf(error));
    }
  }

  return (
    <section aria-labelledby="connections-title">
      <div className="heading">
        <h1 id="connections-title">API Connections</h1>
        {!adding && (
          <button type="button" onClick={() => (setAdding(true), setNotice(null))}>
            Add Connection
          </button>
        )}
      </div>
      <Outcome notice={notice} problem={problem} />
      {adding && (
        <AddConnection
          api={api}
          onCancel={() => setAdding(false)}
          onCreated={async (created) => {
            setAdding(false);
            await load();
            setNotice(`Connection "${created.title}" created`);
          }}
        />
      )}
      {items === null ? (
        <p>Loading…</p>
      ) : items.length === 0 ? (
        <p>No connections yet: add the first one.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Title</th>
              <th scope="col">URL</th>
              <th scope="col">Auth</th>
              <th scope="col">Check</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((c) => {
              const test = tests[c.id];
              return (
                <tr key={c.id}>
                  <td>{c.title}</td>
                  <td>
                    <code>{c.baseUrl}</code>
                  </td>
                  <td>{c.auth?.type ?? 'none'}</td>
                  <td aria-live="polite">
                    {test === 'testing' ? (
                      'Checking…'
                    ) : test ? (
                      <span className={test.verdict === 'reachable' ? 'ok' : 'bad'} title={test.message}>
                        {test.verdict.replace('_', ' ')}
                        {test.http ? ` (HTTP ${test.http.statusCode})` : ''}
                      </span>
                    ) : null}
                  </td>
                  <td className="actions">
                    <button type="button" onClick={() => void verify(c)} aria-label={`Verify ${c.title}`}>
                      Verify
                    </button>
                    <button
                      type="button"
                      className="quiet"
                      onClick={() => void remove(c)}
                      aria-label={`Delete ${c.title}`}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The auth kinds, each with its fields; `secret` ones are write-only and typed as passwords (masked). */
const AUTH_KINDS = {
  none: { label: 'None', fields: [] },
  bearer: { label: 'Bearer token', fields: [{ name: 'token', label: 'Token', secret: true }] },
  basic: {
    label: 'Basic (user name and password)',
    fields: [
      { name: 'username', label: 'User name' },
      { name: 'password', label: 'Password', secret: true },
    ],
  },
  api_key: {
    label: 'API key',
    fields: [
      { name: 'name', label: 'Key name (header or query parameter)' },
      { name: 'value', label: 'Key value', secret: true },
    ],
  },
  oauth2_client_credentials: {
    label: 'OAuth2 client credentials',
    fields: [
      { name: 'tokenUrl', label: 'Token URL' },
      { name: 'clientId', label: 'Client ID' },
      { name: 'clientSecret', label: 'Client secret', secret: true },
      { name: 'scope', label: 'Scope (optional)', optional: true },
    ],
  },
} as const satisfies Record<
  string,
  {
    label: string;
    fields: ReadonlyArray<{ name: string; label: string; secret?: boolean; optional?: boolean }>;
  }
>;
type AuthKind = keyof typeof AUTH_KINDS;

/** Title, URL and auth of any kind; secrets are write-only and masked. Errors next to the field they concern. */
function AddConnection({
  api,
  onCreated,
  onCancel,
}: {
  api: AdminClient;
  onCreated: (created: Connection) => Promise<void>;
  onCancel: () => void;
}) {
  const [title, setTitle] = useState('');
  const [baseUrl, setBaseUrl] = useState('https://');
  const [kind, setKind] = useState<AuthKind>('none');
  const [keyIn, setKeyIn] = useState<'header' | 'query'>('header');
  const [auth, setAuth] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    const fields = Object.fromEntries(
      AUTH_KINDS[kind].fields.flatMap((f) => (auth[f.name] ? [[f.name, auth[f.name]]] : [])),
    );
    try {
      const created = must(
        await api.POST('/connections', {
          body: {
            title: title.trim(),
            baseUrl: baseUrl.trim(),
            auth: {
              type: kind,
              ...fields,
              ...(kind === 'api_key' ? { in: keyIn } : {}),
            } as Schemas['CreateConnectionDto']['auth'],
          },
        }),
      );
      await onCreated(created);
    } catch (error) {
      const field = error instanceof AdminApiError && error.field ? fieldOf(error.field) : 'form';
      setErrors({ [field]: messageOf(error) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-label="Add Connection">
      <h2>Add Connection</h2>
      <Field id="title" label="Title" error={errors.title}>
        <input value={title} onChange={(e) => setTitle(e.target.value)} required />
      </Field>
      <Field id="baseUrl" label="URL" error={errors.baseUrl}>
        <input value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} required />
      </Field>
      <Field id="authType" label="Authentication" error={errors.auth}>
        <select value={kind} onChange={(e) => (setKind(e.target.value as AuthKind), setAuth({}))}>
          {Object.entries(AUTH_KINDS).map(([value, k]) => (
            <option key={value} value={value}>
              {k.label}
            </option>
          ))}
        </select>
      </Field>
      {kind === 'api_key' && (
        <Field id="auth-in" label="Sent in">
          <select value={keyIn} onChange={(e) => setKeyIn(e.target.value as 'header' | 'query')}>
            <option value="header">a header</option>
            <option value="query">the query string</option>
          </select>
        </Field>
      )}
      {AUTH_KINDS[kind].fields.map((f) => (
        <Field key={f.name} id={`auth-${f.name}`} label={f.label} error={errors[`auth.${f.name}`]}>
          <input
            type={'secret' in f && f.secret ? 'password' : 'text'}
            autoComplete="off"
            value={auth[f.name] ?? ''}
            onChange={(e) => setAuth((a) => ({ ...a, [f.name]: e.target.value }))}
            required={!('optional' in f && f.optional)}
          />
        </Field>
      ))}
      {errors.form && (
        <p className="error" role="alert">
          {errors.form}
        </p>
      )}
      <div className="buttons">
        <button type="submit" disabled={busy}>
          Create
        </button>
        <button type="button" className="quiet" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The form field an API error names (`auth.password`, `baseUrl`), or the form as a whole. */
function fieldOf(field: string): string {
  if (/^auth\.\w+$/.test(field)) return field;
  return ['title', 'baseUrl', 'auth'].includes(field) ? field : 'form';
}

import { type AdminClient, AdminApiError, must, type Schemas } from '@flowbridge/api-client';
import { messageOf } from './errors';
import { Field, FormButtons, TableHead } from './Field';
import { Outcome } from './Outcome';
import { useLoaded } from './useLoaded';
import { type FormEvent, useState } from 'react';

type Connection = Schemas['ConnectionView'];
type TestResult = Schemas['ConnectionTestResult'];

const fetchConnections = async (api: AdminClient) =>
  must(await api.GET('/connections', { params: { query: { limit: 200 } } })).items;

/** "API Connections": the workspace's connections, Add Connection, Verify and Delete. */
export function ConnectionsPage({ api }: { api: AdminClient }) {
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<Connection | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [tests, setTests] = useState<Record<string, TestResult | 'testing'>>({});

  const [items, load] = useLoaded(api, fetchConnections, setProblem);

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
          <button type="button" onClick={() => (setAdding(true), setEditing(null), setNotice(null))}>
            Add Connection
          </button>
        )}
      </div>
      <Outcome notice={notice} problem={problem} />
      {(adding || editing) && (
        <ConnectionForm
          key={editing ? `edit-${editing.id}` : 'new'}
          api={api}
          editing={editing ?? undefined}
          onCancel={() => (setAdding(false), setEditing(null))}
          onSaved={async (saved) => {
            setAdding(false);
            setEditing(null);
            await load();
            setNotice(`Connection "${saved.title}" ${editing ? 'saved' : 'created'}`);
          }}
        />
      )}
      {items === null ? (
        <p>Loading…</p>
      ) : items.length === 0 ? (
        <p>No connections yet: add the first one.</p>
      ) : (
        <table>
          <TableHead columns={['Title', 'URL', 'Auth', 'Check']} actions />
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
                      onClick={() => (setEditing(c), setAdding(false), setNotice(null))}
                      aria-label={`Edit ${c.title}`}
                    >
                      Edit
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

/**
 * Add Connection, or Edit one: title, URL and auth of any kind. Secrets are write-only and masked: an edit shows
 * none of them, and leaves the auth as it is unless it is retyped. Errors next to the field they concern.
 */
function ConnectionForm({
  api,
  editing,
  onSaved,
  onCancel,
}: {
  api: AdminClient;
  editing?: Connection;
  onSaved: (saved: Connection) => Promise<void>;
  onCancel: () => void;
}) {
  const saved = editing?.auth;
  const [title, setTitle] = useState(editing?.title ?? '');
  const [baseUrl, setBaseUrl] = useState(editing?.baseUrl ?? 'https://');
  const [kind, setKind] = useState<AuthKind>(saved?.type ?? 'none');
  const [keyIn, setKeyIn] = useState<'header' | 'query'>(saved?.in === 'query' ? 'query' : 'header');
  // The settings that are not secret come back as saved; the secret ones start empty.
  const [auth, setAuth] = useState<Record<string, string>>(() =>
    Object.fromEntries(
      AUTH_KINDS[saved?.type ?? 'none'].fields.flatMap((f): Array<[string, string]> => {
        const value = saved?.[f.name];
        return !('secret' in f && f.secret) && typeof value === 'string' ? [[f.name, value]] : [];
      }),
    ),
  );
  const [authTouched, setAuthTouched] = useState(false);
  const label = editing ? `Edit ${editing.title}` : 'Add Connection';
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    const fields = Object.fromEntries(
      AUTH_KINDS[kind].fields.flatMap((f) => (auth[f.name] ? [[f.name, auth[f.name]]] : [])),
    );
    const body = {
      title: title.trim(),
      baseUrl: baseUrl.trim(),
      // An edit that did not touch the auth leaves it (and its secrets) as they are.
      ...(!editing || authTouched
        ? {
            auth: {
              type: kind,
              ...fields,
              ...(kind === 'api_key' ? { in: keyIn } : {}),
            } as Schemas['CreateConnectionDto']['auth'],
          }
        : {}),
    };
    try {
      const result = editing
        ? must(await api.PATCH('/connections/{id}', { params: { path: { id: editing.id } }, body }))
        : must(await api.POST('/connections', { body }));
      await onSaved(result);
    } catch (error) {
      const field = error instanceof AdminApiError && error.field ? fieldOf(error.field) : 'form';
      setErrors({ [field]: messageOf(error) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-label={label}>
      <h2>{label}</h2>
      {editing && kind !== 'none' && !authTouched && (
        <p className="hint">The saved secrets are kept unless you type new ones.</p>
      )}
      <Field id="title" label="Title" error={errors.title}>
        <input value={title} onChange={(e) => setTitle(e.target.value)} required />
      </Field>
      <Field id="baseUrl" label="URL" error={errors.baseUrl}>
        <input value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} required />
      </Field>
      <Field id="authType" label="Authentication" error={errors.auth}>
        <select
          value={kind}
          onChange={(e) => (setKind(e.target.value as AuthKind), setAuth({}), setAuthTouched(true))}
        >
          {Object.entries(AUTH_KINDS).map(([value, k]) => (
            <option key={value} value={value}>
              {k.label}
            </option>
          ))}
        </select>
      </Field>
      {kind === 'api_key' && (
        <Field id="auth-in" label="Sent in">
          <select
            value={keyIn}
            onChange={(e) => (setKeyIn(e.target.value as 'header' | 'query'), setAuthTouched(true))}
          >
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
            onChange={(e) => (setAuth((a) => ({ ...a, [f.name]: e.target.value })), setAuthTouched(true))}
            required={(!editing || authTouched) && !('optional' in f && f.optional)}
            placeholder={editing && 'secret' in f && f.secret && !authTouched ? 'unchanged' : undefined}
          />
        </Field>
      ))}
      <FormButtons error={errors.form} busy={busy} submit={editing ? 'Save' : 'Create'} onCancel={onCancel} />
    </form>
  );
}

/** The form field an API error names (`auth.password`, `baseUrl`), or the form as a whole. */
function fieldOf(field: string): string {
  if (/^auth\.\w+$/.test(field)) return field;
  return ['title', 'baseUrl', 'auth'].includes(field) ? field : 'form';
}

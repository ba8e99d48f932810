import { type AdminClient, AdminApiError, must, type Schemas } from '@flowbridge/api-client';
import { messageOf } from './errors';
import { Field } from './Field';
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
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
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

/** Title, URL and auth; a secret field is write-only and shown masked. Errors next to the field they concern. */
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
  const [authType, setAuthType] = useState<'none' | 'bearer'>('none');
  const [token, setToken] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      const created = must(
        await api.POST('/connections', {
          body: {
            title: title.trim(),
            baseUrl: baseUrl.trim(),
            auth: authType === 'bearer' ? { type: 'bearer', token } : { type: 'none' },
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
      <Field id="authType" label="Authentication">
        <select value={authType} onChange={(e) => setAuthType(e.target.value as 'none' | 'bearer')}>
          <option value="none">None</option>
          <option value="bearer">Bearer token</option>
        </select>
      </Field>
      {authType === 'bearer' && (
        <Field id="token" label="Token" error={errors.token}>
          <input
            type="password"
            autoComplete="off"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            required
          />
        </Field>
      )}
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

/** The form field an API error names (`auth.token` → token). */
function fieldOf(field: string): string {
  if (field.startsWith('auth')) return 'token';
  return ['title', 'baseUrl'].includes(field) ? field : 'form';
}

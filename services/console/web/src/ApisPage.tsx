import { type AdminClient, must, type Schemas } from '@flowbridge/api-client';
import { type FormEvent, useState } from 'react';
import { ApiForm } from './ApiForm';
import { messageOf } from './errors';
import { Field, TableHead } from './Field';
import { Outcome } from './Outcome';
import { apisAndConnections, useLoaded } from './useLoaded';

type Api = Schemas['ApiView'];
type TestResult = Schemas['ApiTestResult'];

/**
 * The APIs of the workspace's connections: Add API ("API details created successfully"), Edit, and Test the
 * request.
 */
export function ApisPage({ api }: { api: AdminClient }) {
  const [adding, setAdding] = useState(false);
  const [testing, setTesting] = useState<Api | null>(null);
  const [editing, setEditing] = useState<Api | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const [loaded, load] = useLoaded(api, apisAndConnections, setProblem);
  const apis = loaded?.apis ?? null;
  const connections = loaded?.connections ?? [];
  const titleOf = (id: string) => connections.find((c) => c.id === id)?.title ?? id;

  return (
    <section aria-labelledby="apis-title">
      <div className="heading">
        <h1 id="apis-title">APIs</h1>
        {!adding && (
          <button
            type="button"
            onClick={() => (setAdding(true), setEditing(null), setNotice(null))}
            disabled={connections.length === 0}
          >
            Add API
          </button>
        )}
      </div>
      {connections.length === 0 && apis !== null && (
        <p>Add a connection first: an API is called through one.</p>
      )}
      <Outcome notice={notice} problem={problem} />
      {(adding || editing) && (
        <ApiForm
          // Keys are one namespace among a parent's children: these must not be the test form's (the API id).
          key={editing ? `edit-${editing.id}` : 'new'}
          api={api}
          connections={connections}
          editing={editing ?? undefined}
          onCancel={() => (setAdding(false), setEditing(null))}
          onSaved={async (saved) => {
            setAdding(false);
            setEditing(null);
            await load();
            setNotice(editing ? `API "${saved.name}" saved` : 'API details created successfully');
          }}
        />
      )}
      {apis && apis.length > 0 && (
        <table>
          <TableHead columns={['API Name', 'Request', 'Connection']} actions />
          <tbody>
            {apis.map((a) => (
              <tr key={a.id}>
                <td>{a.name}</td>
                <td>
                  <code>
                    {a.method} {a.path}
                  </code>
                </td>
                <td>{titleOf(a.connectionId)}</td>
                <td className="actions">
                  <button type="button" onClick={() => setTesting(a)} aria-label={`Test ${a.name}`}>
                    Test
                  </button>
                  <button
                    type="button"
                    className="quiet"
                    onClick={() => (setEditing(a), setAdding(false), setNotice(null))}
                    aria-label={`Edit ${a.name}`}
                  >
                    Edit
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {testing && <TestRequest key={`test-${testing.id}`} api={api} target={testing} />}
    </section>
  );
}

/** "Test API Before Deployment": the request run with sample variables, and what a flow would get. */
function TestRequest({ api, target }: { api: AdminClient; target: Api }) {
  const [variables, setVariables] = useState('{}');
  const [result, setResult] = useState<TestResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function run(event: FormEvent) {
    event.preventDefault();
    setError(null);
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(variables) as Record<string, unknown>;
    } catch {
      setError('Write the sample variables as JSON, e.g. {"order_id": "A-1001"}');
      return;
    }
    setBusy(true);
    try {
      setResult(
        must(
          await api.POST('/apis/{id}/test', {
            params: { path: { id: target.id } },
            body: { variables: parsed },
          }),
        ),
      );
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  }

  const response = result?.api_response;
  return (
    <form className="card" onSubmit={(e) => void run(e)} aria-label={`Test ${target.name}`}>
      <h2>Test the request: {target.name}</h2>
      <Field id="variables" label="Sample variables (JSON)" error={error}>
        <textarea rows={3} value={variables} onChange={(e) => setVariables(e.target.value)} />
      </Field>
      <div className="buttons">
        <button type="submit" disabled={busy}>
          Test the request
        </button>
      </div>
      {response && (
        <div className="result" aria-live="polite">
          <p className={response.status === 'success' ? 'ok' : 'bad'}>
            <strong>{response.status}</strong>
            {response.statusCode !== null ? ` · HTTP ${response.statusCode}` : ''} · {response.attempts}{' '}
            {response.attempts === 1 ? 'attempt' : 'attempts'} · {response.durationMs} ms
            {response.error ? ` · ${response.error.code}: ${response.error.message}` : ''}
          </p>
          <h3>Data</h3>
          <pre tabIndex={0}>{JSON.stringify(response.data, null, 2)}</pre>
          <h3>Mapped variables</h3>
          <pre tabIndex={0}>{JSON.stringify(result.variables, null, 2)}</pre>
        </div>
      )}
    </form>
  );
}

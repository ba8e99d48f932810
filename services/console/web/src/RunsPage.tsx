import { type AdminClient, must, type Schemas } from '@flowbridge/api-client';
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { bubbleOf } from './builder/chat';
import { RunView } from './builder/TestPanel';
import { messageOf } from './errors';
import { Field, TableHead } from './Field';
import { Outcome } from './Outcome';

type RunSummary = Schemas['RunSummary'];
type Message = Schemas['MessageView'];
const STATUSES = ['active', 'waiting_input', 'completed', 'failed', 'expired'] as const;

/**
 * Runs and messages: the workspace's runs, newest first, searched by contact and status; one opened shows what
 * the Test panel shows (screens, API calls, variables) beside the contact's messages with their delivery status.
 */
export function RunsPage({ api }: { api: AdminClient }) {
  const [contact, setContact] = useState('');
  const [status, setStatus] = useState<(typeof STATUSES)[number] | ''>('');
  const [runs, setRuns] = useState<RunSummary[] | null>(null);
  const [openId, setOpenId] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const search = useCallback(
    async (query: { contact?: string; status?: (typeof STATUSES)[number] }) => {
      setProblem(null);
      try {
        setRuns(must(await api.GET('/runs', { params: { query: { ...query, limit: 100 } } })).items);
      } catch (error) {
        setProblem(messageOf(error));
      }
    },
    [api],
  );
  useEffect(() => void search({}), [search]);
  function submit(event: FormEvent) {
    event.preventDefault();
    setOpenId(null);
    void search({ ...(contact ? { contact } : {}), ...(status ? { status } : {}) });
  }

  return (
    <section aria-labelledby="runs-title">
      <h1 id="runs-title">Runs and messages</h1>
      <form className="row" onSubmit={submit} aria-label="Search runs">
        <Field id="runs-contact" label="Contact (WhatsApp number)">
          <input
            value={contact}
            inputMode="numeric"
            onChange={(e) => setContact(e.target.value.replace(/\D/g, ''))}
          />
        </Field>
        <Field id="runs-status" label="Status">
          <select value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.replace('_', ' ')}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit">Search</button>
      </form>
      <Outcome problem={problem} />
      {runs && runs.length === 0 && <p>No runs found.</p>}
      {runs && runs.length > 0 && (
        <table>
          <TableHead columns={['Contact', 'Status', 'Screen', 'Version', 'Started']} actions />
          <tbody>
            {runs.map((r) => (
              <tr key={r.id} aria-current={r.id === openId ? 'true' : undefined}>
                <td>{r.contact}</td>
                <td>{r.status.replace('_', ' ')}</td>
                <td>{r.screenId ?? ''}</td>
                <td>{r.flowVersion}</td>
                <td>{new Date(r.startedAt).toLocaleString()}</td>
                <td>
                  <button
                    type="button"
                    onClick={() => setOpenId(r.id)}
                    aria-label={`Open the run of ${r.contact} started ${new Date(r.startedAt).toLocaleString()}`}
                  >
                    Open
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {openId && <RunDetail key={openId} api={api} id={openId} />}
    </section>
  );
}

function RunDetail({ api, id }: { api: AdminClient; id: string }) {
  const [run, setRun] = useState<Schemas['RunDetail'] | null>(null);
  const [messages, setMessages] = useState<Message[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    (async () => {
      const detail = must(await api.GET('/runs/{id}', { params: { path: { id } } }));
      setRun(detail);
      const list = must(
        await api.GET('/messages', { params: { query: { contact: detail.contact, limit: 100 } } }),
      );
      setMessages([...list.items].reverse());
    })().catch((e: unknown) => setProblem(messageOf(e)));
  }, [api, id]);

  return (
    <section className="card wide" aria-label="Run">
      <Outcome problem={problem} />
      <div className="test-columns">
        <div>
          <h2>Messages with {run?.contact}</h2>
          <ol className="bubbles" aria-label="Conversation">
            {messages.map((m) => {
              const bubble = bubbleOf({ direction: m.direction, message: m.content });
              return (
                <li key={m.id} className={`bubble ${bubble.from}`}>
                  {bubble.lines.map((line, j) => (
                    <p key={j}>{line}</p>
                  ))}
                  {bubble.choices.length > 0 && (
                    <p className="hint">{bubble.choices.map((c) => c.title).join(' · ')}</p>
                  )}
                  <p className={m.status === 'failed' ? 'bad' : 'hint'}>
                    {new Date(m.occurredAt).toLocaleTimeString()} · {m.status}
                  </p>
                </li>
              );
            })}
          </ol>
        </div>
        <RunView run={run} />
      </div>
    </section>
  );
}

import { type AdminClient, AdminApiError, must, type Schemas } from '@flowbridge/api-client';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { messageOf } from '../errors';
import { Outcome } from '../Outcome';
import { sandbox } from '../session';
import { type Bubble, bubbleOf } from './chat';
import { TableHead } from '../Field';

type Run = Schemas['RunDetail'];
const POLL_MS = 700;

/**
 * "Test": a chat with the published flow as a WhatsApp contact, through the sandbox (the Cloud API stand-in
 * `npm start` runs on this machine), beside the contact's run as it happens: the screens entered, each API
 * attempt (status, attempts, timing) and the variables — the page's "verify the request, check success and
 * failure navigation".
 */
export function TestPanel({ api, flowId }: { api: AdminClient; flowId: string }) {
  const [contact, setContact] = useState(() => `1555${Math.floor(1e6 + Math.random() * 8.9e6)}`);
  const [bubbles, setBubbles] = useState<Bubble[]>([]);
  const [text, setText] = useState('');
  const [run, setRun] = useState<Run | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sandboxOff, setSandboxOff] = useState(false);
  const after = useRef(0);

  useEffect(() => {
    after.current = 0;
    setBubbles([]);
    setRun(null);
    let stopped = false;
    let busy = false;
    let chat = true;
    /** The conversation so far, while there is a sandbox to chat through. */
    const converse = async () => {
      try {
        const conversation = await sandbox('GET', `/contacts/${contact}/conversation?after=${after.current}`);
        const items = (conversation as { items: Array<{ seq: number } & Parameters<typeof bubbleOf>[0]> })
          .items;
        if (items.length > 0 && !stopped) {
          after.current = Math.max(after.current, ...items.map((i) => i.seq));
          setBubbles((b) => [...b, ...items.map(bubbleOf)]);
        }
      } catch (e) {
        // No sandbox beside this console (a deployment): the run view still follows a real phone's contact.
        if (e instanceof AdminApiError && e.code === 'SANDBOX_OFF') {
          chat = false;
          if (!stopped) setSandboxOff(true);
        } else if (!stopped) setError(messageOf(e));
      }
    };
    const tick = async () => {
      if (busy || stopped) return;
      busy = true;
      try {
        if (chat) await converse();
        const runs = must(await api.GET('/runs', { params: { query: { contact, flowId, limit: 1 } } })).items;
        if (runs[0] && !stopped)
          setRun(must(await api.GET('/runs/{id}', { params: { path: { id: runs[0].id } } })));
      } catch (e) {
        if (!stopped) setError(messageOf(e));
      } finally {
        busy = false;
      }
    };
    void tick();
    const timer = setInterval(() => void tick(), POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [api, contact, flowId]);

  async function send(verb: 'say' | 'tap' | 'pick', body: Record<string, string>) {
    setError(null);
    try {
      await sandbox('POST', `/contacts/${contact}/${verb}`, body);
    } catch (e) {
      setError(messageOf(e));
    }
  }
  function submit(event: FormEvent) {
    event.preventDefault();
    if (!text.trim()) return;
    void send('say', { text });
    setText('');
  }

  return (
    <section className="test" aria-label="Test">
      <h3>Test</h3>
      {sandboxOff ? (
        <p className="hint">
          No WhatsApp sandbox beside this console: message the number from a phone, and type that phone's
          number below to follow its run here.
        </p>
      ) : (
        <p className="hint">
          Talk to the active version as a WhatsApp contact (through the sandbox): say a keyword that starts
          it.
        </p>
      )}
      <div className="test-columns">
        <div className="chat" aria-label="Chat">
          <label htmlFor="test-contact">Contact number</label>
          <div className="row">
            <input
              id="test-contact"
              value={contact}
              onChange={(e) => setContact(e.target.value.replace(/\D/g, ''))}
            />
            <button
              type="button"
              className="quiet"
              onClick={() => setContact(`1555${Math.floor(1e6 + Math.random() * 8.9e6)}`)}
            >
              New contact
            </button>
          </div>
          {!sandboxOff && (
            <>
              <ol className="bubbles" aria-live="polite" aria-label="Conversation">
                {bubbles.map((b, i) => (
                  <li key={i} className={`bubble ${b.from}`}>
                    <span className="visually-hidden">{b.from === 'contact' ? 'You:' : 'Business:'}</span>
                    {b.lines.map((line, j) => (
                      <p key={j}>{line}</p>
                    ))}
                    {b.choices.length > 0 && (
                      <div className="choices">
                        {b.choices.map((c) => (
                          <button
                            key={c.id}
                            type="button"
                            className="quiet"
                            onClick={() =>
                              void send(c.kind, c.kind === 'tap' ? { button: c.id } : { row: c.id })
                            }
                          >
                            {c.title}
                          </button>
                        ))}
                      </div>
                    )}
                  </li>
                ))}
              </ol>
              <form onSubmit={submit} className="row" aria-label="Send a message">
                <label htmlFor="test-text" className="visually-hidden">
                  Message
                </label>
                <input
                  id="test-text"
                  value={text}
                  onChange={(e) => setText(e.target.value)}
                  placeholder="Type a message"
                />
                <button type="submit">Send</button>
              </form>
            </>
          )}
          <Outcome problem={error} />
        </div>
        <RunView run={run} />
      </div>
    </section>
  );
}

/** The contact's run as it is now: where it is, the screens it went through, its API calls and variables. */
export function RunView({ run }: { run: Run | null }) {
  if (!run)
    return (
      <div className="run" aria-label="Run">
        No run for this contact yet.
      </div>
    );
  return (
    <div className="run" aria-label="Run">
      <p>
        Run on version {run.flowVersion}: <strong>{run.status.replace('_', ' ')}</strong>
        {run.screenId ? ` on ${run.screenId}` : ''}
        {run.endReason ? ` (${run.endReason})` : ''}
      </p>
      <h4>Screens entered</h4>
      <ol className="steps">
        {run.steps.map((s, i) => (
          <li key={i}>
            {s.screenId} <span className="hint">({s.cause.replace('_', ' ')})</span>
          </li>
        ))}
      </ol>
      <h4>API calls</h4>
      {run.callLog.length === 0 ? (
        <p className="hint">None yet.</p>
      ) : (
        <table className="calls">
          <TableHead columns={['Attempt', 'Request', 'Status', 'Time']} />
          <tbody>
            {run.callLog.map((c, i) => (
              <tr key={i}>
                <td>{c.attempt}</td>
                <td>
                  <code>
                    {c.method} {c.url}
                  </code>
                </td>
                <td className={c.errorCode ? 'bad' : 'ok'}>
                  {c.statusCode !== null ? `HTTP ${c.statusCode}` : ''}
                  {c.errorCode ? ` ${c.errorCode}` : ''}
                </td>
                <td>{c.durationMs} ms</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h4>Variables</h4>
      <pre tabIndex={0}>{JSON.stringify(run.variables, null, 2)}</pre>
    </div>
  );
}

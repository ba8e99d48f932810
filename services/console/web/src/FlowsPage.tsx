import { type AdminClient, must, type Schemas } from '@flowbridge/api-client';
import { type FormEvent, useState } from 'react';
import { countErrors } from './builder/draft';
import { FlowBuilder } from './builder/FlowBuilder';
import { messageOf } from './errors';
import { Field, TableHead } from './Field';
import { Outcome } from './Outcome';
import { useLoaded } from './useLoaded';

type Flow = Schemas['FlowView'];

const fetchFlows = async (api: AdminClient) =>
  must(await api.GET('/flows', { params: { query: { limit: 200 } } })).items;

/** Flows: the list, New Flow, and one open in the Flow Builder. */
export function FlowsPage({ api }: { api: AdminClient }) {
  const [openId, setOpenId] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const [flows, load] = useLoaded(api, fetchFlows, setProblem);

  return (
    <section aria-labelledby="flows-title" className="flows">
      <h1 id="flows-title">Flows</h1>
      <Outcome problem={problem} />
      <NewFlow
        api={api}
        onCreated={async (created) => {
          await load();
          setOpenId(created.id);
        }}
      />
      {flows && flows.length === 0 && <p>No flows yet.</p>}
      {flows && flows.length > 0 && (
        <table>
          <TableHead columns={['Flow', 'Active version', 'Draft']} actions />
          <tbody>
            {flows.map((f) => (
              <tr key={f.id} aria-current={f.id === openId ? 'true' : undefined}>
                <td>{f.name}</td>
                <td>{f.activeVersion ?? 'none'}</td>
                <td>{f.publishable ? 'ready to publish' : `${countErrors(f.problems)} to fix`}</td>
                <td>
                  <button type="button" onClick={() => setOpenId(f.id)} aria-label={`Open ${f.name}`}>
                    Open
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {openId && <FlowBuilder key={openId} api={api} flowId={openId} onChanged={load} />}
    </section>
  );
}

/** A new, empty flow by name: it opens in the builder. */
function NewFlow({ api, onCreated }: { api: AdminClient; onCreated: (flow: Flow) => Promise<void> }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const created = must(await api.POST('/flows', { body: { name: name.trim() } }));
      setName('');
      await onCreated(created);
    } catch (e) {
      setError(messageOf(e));
    }
  }
  return (
    <form className="row new-flow" onSubmit={(e) => void submit(e)} aria-label="New Flow">
      <Field id="new-flow-name" label="Flow name" error={error}>
        <input
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="e.g. Order status"
          required
        />
      </Field>
      <button type="submit">Create Flow</button>
    </form>
  );
}

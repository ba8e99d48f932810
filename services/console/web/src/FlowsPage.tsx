import { type AdminClient, must, type Schemas } from '@flowbridge/api-client';
import { useCallback, useEffect, useState } from 'react';
import { messageOf } from './errors';
import { Outcome } from './Outcome';

type Flow = Schemas['FlowView'];
type Problem = Schemas['ProblemView'];
type Versions = Schemas['VersionList'];

/** Flows: each draft verified ("every problem at once"), published as a new version, rolled back or forward. */
export function FlowsPage({ api }: { api: AdminClient }) {
  const [flows, setFlows] = useState<Flow[] | null>(null);
  const [openId, setOpenId] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setFlows(must(await api.GET('/flows', { params: { query: { limit: 200 } } })).items);
    } catch (error) {
      setProblem(messageOf(error));
    }
  }, [api]);
  useEffect(() => void load(), [load]);
  const open = flows?.find((f) => f.id === openId);

  return (
    <section aria-labelledby="flows-title">
      <h1 id="flows-title">Flows</h1>
      <Outcome problem={problem} />
      {flows && flows.length === 0 && <p>No flows yet.</p>}
      {flows && flows.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Flow</th>
              <th scope="col">Active version</th>
              <th scope="col">Draft</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {flows.map((f) => (
              <tr key={f.id}>
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
      {open && <FlowPanel key={open.id} api={api} flow={open} onChanged={load} />}
    </section>
  );
}

function FlowPanel({
  api,
  flow,
  onChanged,
}: {
  api: AdminClient;
  flow: Flow;
  onChanged: () => Promise<void>;
}) {
  const [problems, setProblems] = useState<Problem[]>(flow.problems);
  const [verified, setVerified] = useState(false);
  const [outcome, setOutcome] = useState<string | null>(null);
  const [versions, setVersions] = useState<Versions | null>(null);
  const [error, setError] = useState<string | null>(null);
  const id = flow.id;

  const loadVersions = useCallback(async () => {
    setVersions(must(await api.GET('/flows/{id}/versions', { params: { path: { id } } })));
  }, [api, id]);
  useEffect(() => {
    loadVersions().catch((e: unknown) => setError(messageOf(e)));
  }, [loadVersions]);

  async function act(work: () => Promise<void>) {
    setError(null);
    setOutcome(null);
    try {
      await work();
    } catch (e) {
      setError(messageOf(e));
    }
  }

  const verify = () =>
    act(async () => {
      const result = must(await api.POST('/flows/{id}/validate', { params: { path: { id } } }));
      setProblems(result.problems);
      setVerified(true);
      setOutcome(result.publishable ? 'No problems: ready to publish' : null);
    });

  const publish = () =>
    act(async () => {
      const result = await api.POST('/flows/{id}/publish', { params: { path: { id } } });
      if (result.response.status === 422) {
        const body = result.error as { problems?: Problem[] } | undefined;
        setProblems(body?.problems ?? []);
        setVerified(true);
        setError('Not published: fix the problems below');
        return;
      }
      const published = must(result);
      setProblems(published.problems);
      setOutcome(`Version ${published.version} published and active`);
      await Promise.all([loadVersions(), onChanged()]);
    });

  const activate = (version: number) =>
    act(async () => {
      must(
        await api.POST('/flows/{id}/versions/{n}/activate', {
          params: { path: { id, n: version } },
        }),
      );
      setOutcome(`Version ${version} is active`);
      await Promise.all([loadVersions(), onChanged()]);
    });

  return (
    <div className="card wide" aria-label={`Flow ${flow.name}`} role="region">
      <h2>{flow.name}</h2>
      <div className="buttons">
        <button type="button" onClick={() => void verify()}>
          Verify
        </button>
        <button type="button" onClick={() => void publish()}>
          Publish
        </button>
      </div>
      <Outcome notice={outcome} problem={error} />
      {(verified || problems.length > 0) && problems.length > 0 && (
        <>
          <h3>{countErrors(problems)} to fix</h3>
          <ul className="problems">
            {problems.map((p, i) => (
              <li key={i} className={p.severity === 'error' ? 'bad' : ''}>
                <strong>{p.screenId ? `Screen "${p.screenId}"` : 'Flow'}</strong>: {p.message}{' '}
                <code>{p.path}</code>
              </li>
            ))}
          </ul>
        </>
      )}
      {versions && versions.items.length > 0 && (
        <>
          <h3>Versions</h3>
          <ul className="versions">
            {versions.items.map((v) => (
              <li key={v.version}>
                Version {v.version} · {new Date(v.publishedAt).toLocaleString()}{' '}
                {v.active ? (
                  <strong>active</strong>
                ) : (
                  <button type="button" className="quiet" onClick={() => void activate(v.version)}>
                    Activate version {v.version}
                  </button>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

function countErrors(problems: Problem[]): string {
  const n = problems.filter((p) => p.severity === 'error').length;
  return `${n} ${n === 1 ? 'problem' : 'problems'}`;
}

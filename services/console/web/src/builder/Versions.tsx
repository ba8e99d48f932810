import { type AdminClient, must, type Schemas } from '@flowbridge/api-client';
import { useCallback, useEffect, useState } from 'react';
import { messageOf } from '../errors';
import { Outcome } from '../Outcome';

/** The published versions of a flow, the active one marked, any other activated (roll back or forward). */
export function Versions({
  api,
  flowId,
  onChanged,
}: {
  api: AdminClient;
  flowId: string;
  onChanged: () => Promise<void>;
}) {
  const [versions, setVersions] = useState<Schemas['VersionList'] | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    setVersions(must(await api.GET('/flows/{id}/versions', { params: { path: { id: flowId } } })));
  }, [api, flowId]);
  useEffect(() => {
    load().catch((e: unknown) => setError(messageOf(e)));
  }, [load]);

  async function activate(version: number) {
    setError(null);
    try {
      must(
        await api.POST('/flows/{id}/versions/{n}/activate', { params: { path: { id: flowId, n: version } } }),
      );
      setNotice(`Version ${version} is active`);
      await Promise.all([load(), onChanged()]);
    } catch (e) {
      setError(messageOf(e));
    }
  }

  if (!versions || versions.items.length === 0) return <Outcome problem={error} />;
  return (
    <section aria-label="Versions">
      <h3>Versions</h3>
      <Outcome notice={notice} problem={error} />
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
    </section>
  );
}

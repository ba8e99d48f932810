import { type FormEvent, useState } from 'react';
import { Field } from './Field';
import { clientFor } from './session';

/** The admin key, checked against the API before it is kept. */
export function SignIn({ onSignedIn }: { onSignedIn: (key: string) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { response } = await clientFor(key.trim()).GET('/connections', {
        params: { query: { limit: 1 } },
      });
      if (response.status === 401)
        setError('That key was refused: check it, or make one with npm run cli -- keys:create');
      else if (!response.ok) setError(`The API answered ${response.status}; try again`);
      else onSignedIn(key.trim());
    } catch {
      setError('The console cannot reach the API; is it running?');
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="signin">
      <h1>Flowbridge console</h1>
      <form onSubmit={(e) => void submit(e)}>
        <Field id="admin-key" label="Admin API key" error={error}>
          <input
            type="password"
            autoComplete="off"
            value={key}
            onChange={(e) => setKey(e.target.value)}
            required
          />
        </Field>
        <button type="submit" disabled={busy || key.trim() === ''}>
          Open the console
        </button>
        <p className="hint">The key is kept for this browser tab only.</p>
      </form>
    </main>
  );
}

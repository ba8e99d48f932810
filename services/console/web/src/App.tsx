import { useMemo, useState } from 'react';
import { ConnectionsPage } from './ConnectionsPage';
import { clientFor, forgetKey, savedKey, saveKey } from './session';
import { SignIn } from './SignIn';

/** The console: signed in with an admin key, the workspace's pages. */
export function App() {
  const [key, setKey] = useState<string | null>(savedKey);
  const api = useMemo(() => (key ? clientFor(key) : null), [key]);
  if (!api)
    return (
      <SignIn
        onSignedIn={(k) => {
          saveKey(k);
          setKey(k);
        }}
      />
    );
  return (
    <div className="layout">
      <header className="top">
        <span className="brand">Flowbridge</span>
        <nav aria-label="Console">
          <a href="/connections" aria-current="page">
            API Connections
          </a>
        </nav>
        <button
          type="button"
          className="quiet"
          onClick={() => {
            forgetKey();
            setKey(null);
          }}
        >
          Sign out
        </button>
      </header>
      <main>
        <ConnectionsPage api={api} />
      </main>
    </div>
  );
}

import type { AdminClient } from '@flowbridge/api-client';
import { type ReactElement, useMemo, useState } from 'react';
import { ApisPage } from './ApisPage';
import { ChannelsPage } from './ChannelsPage';
import { ConnectionsPage } from './ConnectionsPage';
import { FlowsPage } from './FlowsPage';
import { RunsPage } from './RunsPage';
import { clientFor, forgetKey, savedKey, saveKey } from './session';
import { SignIn } from './SignIn';

/** The pages, each at its own address (a link loads it; the key stays in the tab's session). */
const PAGES: Array<{ path: string; title: string; Page: (props: { api: AdminClient }) => ReactElement }> = [
  { path: '/connections', title: 'API Connections', Page: ConnectionsPage },
  { path: '/apis', title: 'APIs', Page: ApisPage },
  { path: '/flows', title: 'Flows', Page: FlowsPage },
  { path: '/runs', title: 'Runs', Page: RunsPage },
  { path: '/channels', title: 'WhatsApp numbers', Page: ChannelsPage },
];

/** The console: signed in with an admin key, the workspace's pages. */
export function App() {
  const page = PAGES.find((p) => p.path === window.location.pathname) ?? PAGES[0];
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
          {PAGES.map((p) => (
            <a key={p.path} href={p.path} aria-current={p === page ? 'page' : undefined}>
              {p.title}
            </a>
          ))}
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
        <page.Page api={api} />
      </main>
    </div>
  );
}

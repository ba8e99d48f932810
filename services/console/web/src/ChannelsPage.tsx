import { type AdminClient, AdminApiError, must, type Schemas } from '@flowbridge/api-client';
import { type FormEvent, useState } from 'react';
import { messageOf } from './errors';
import { Field, FormButtons, TableHead } from './Field';
import { Outcome } from './Outcome';
import { useLoaded } from './useLoaded';

type Channel = Schemas['ChannelView'];
type NewChannel = Schemas['CreateChannelDto'];
/** The fields of a new number, in order; the secret ones are write-only and masked. */
const FIELDS: Array<{ name: keyof NewChannel; label: string; secret?: boolean }> = [
  { name: 'displayPhoneNumber', label: 'Phone number (as shown)' },
  { name: 'phoneNumberId', label: 'Phone number ID' },
  { name: 'wabaId', label: 'WhatsApp Business Account ID' },
  { name: 'accessToken', label: 'Access token', secret: true },
  { name: 'appSecret', label: 'App secret', secret: true },
  { name: 'verifyToken', label: 'Webhook verify token' },
];

const fetchChannels = async (api: AdminClient) => must(await api.GET('/channels')).items;

/** WhatsApp numbers: the channels flows answer on, each with its (masked) credentials. */
export function ChannelsPage({ api }: { api: AdminClient }) {
  const [adding, setAdding] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [items, load] = useLoaded(api, fetchChannels, setProblem);

  async function remove(channel: Channel) {
    setProblem(null);
    try {
      must(await api.DELETE('/channels/{id}', { params: { path: { id: channel.id } } }));
      await load();
      setNotice(`Number ${channel.displayPhoneNumber ?? channel.phoneNumberId} removed`);
    } catch (error) {
      setProblem(messageOf(error));
    }
  }

  return (
    <section aria-labelledby="channels-title">
      <div className="heading">
        <h1 id="channels-title">WhatsApp numbers</h1>
        {!adding && (
          <button type="button" onClick={() => (setAdding(true), setNotice(null))}>
            Add Number
          </button>
        )}
      </div>
      <Outcome notice={notice} problem={problem} />
      {adding && (
        <AddChannel
          api={api}
          onCancel={() => setAdding(false)}
          onCreated={async (created) => {
            setAdding(false);
            await load();
            setNotice(`Number ${created.displayPhoneNumber ?? created.phoneNumberId} added`);
          }}
        />
      )}
      {items && items.length === 0 && <p>No WhatsApp number yet: flows answer on the numbers added here.</p>}
      {items && items.length > 0 && (
        <table>
          <TableHead columns={['Number', 'Phone number ID', 'Access token', 'App secret']} actions />
          <tbody>
            {items.map((c) => (
              <tr key={c.id}>
                <td>{c.displayPhoneNumber}</td>
                <td>
                  <code>{c.phoneNumberId}</code>
                </td>
                <td>{c.accessToken}</td>
                <td>{c.appSecret}</td>
                <td>
                  <button
                    type="button"
                    className="quiet"
                    onClick={() => void remove(c)}
                    aria-label={`Remove ${c.displayPhoneNumber ?? c.phoneNumberId}`}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function AddChannel({
  api,
  onCreated,
  onCancel,
}: {
  api: AdminClient;
  onCreated: (created: Channel) => Promise<void>;
  onCancel: () => void;
}) {
  const [values, setValues] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setErrors({});
    setBusy(true);
    try {
      await onCreated(must(await api.POST('/channels', { body: values as unknown as NewChannel })));
    } catch (error) {
      const field = error instanceof AdminApiError && error.field ? error.field : 'form';
      setErrors({ [FIELDS.some((f) => f.name === field) ? field : 'form']: messageOf(error) });
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-label="Add Number">
      <h2>Add Number</h2>
      {FIELDS.map((f) => (
        <Field key={f.name} id={`channel-${f.name}`} label={f.label} error={errors[f.name]}>
          <input
            type={f.secret ? 'password' : 'text'}
            autoComplete="off"
            value={values[f.name] ?? ''}
            onChange={(e) => setValues((v) => ({ ...v, [f.name]: e.target.value }))}
            required
          />
        </Field>
      ))}
      <FormButtons error={errors.form} busy={busy} submit="Add" onCancel={onCancel} />
    </form>
  );
}

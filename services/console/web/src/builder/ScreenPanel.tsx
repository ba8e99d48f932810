import type { AdminClient, Schemas } from '@flowbridge/api-client';
import { Field } from '../Field';
import { PanelActions, useEditedCopy } from './panel';
import { ActionEditor, NEW_ACTIONS } from './ActionEditor';
import { MessageEditor } from './MessageEditor';
import type { ScreenChoice } from './ScreenSelect';
import { type Action, fieldIdOf, type Message, type Problem, type Screen } from './draft';

const INPUT_TYPES = ['string', 'number', 'email', 'phone', 'date', 'choice'] as const;

/**
 * One screen in the side panel: its title, messages, the reply it waits for and its actions, edited on a copy
 * that "Update Component" puts into the draft (and saves). Each control has the id of its path in the
 * document, so a problem Verify finds shows under it, and clicking the problem focuses it.
 */
export function ScreenPanel({
  api,
  screen,
  index,
  screens,
  problems,
  focus,
  onUpdate,
  onDelete,
  apis,
  connections,
  onApiCreated,
  forms,
}: {
  api: AdminClient;
  screen: Screen;
  index: number;
  screens: ScreenChoice[];
  problems: Problem[];
  /** The field to focus (a new object each time, so that the same problem clicked again focuses again). */
  focus: { path: string } | null;
  onUpdate: (screen: Screen) => Promise<void>;
  onDelete: () => void;
  apis: Schemas['ApiView'][];
  connections: Schemas['ConnectionView'][];
  onApiCreated: () => Promise<void>;
  /** The flow's WhatsApp forms, which a message can open. */
  forms: Array<{ id: string; name: string }>;
}) {
  const { edited, setEdited, busy, update, undo } = useEditedCopy(screen, focus, onUpdate);

  const at = `screens[${index}]`;
  const errorAt = (path: string) =>
    problems
      .filter((p) => p.path === `${at}.${path}`)
      .map((p) => p.message)
      .join('; ') || null;
  const messages = edited.messages ?? [];
  const actions = edited.actions ?? [];
  const setMessages = (next: Message[]) => setEdited((s) => ({ ...s, messages: next }));
  const setActions = (next: Action[]) => setEdited((s) => ({ ...s, actions: next }));
  const screenWide = problems.filter((p) => p.path === at || !p.path.startsWith(`${at}.`));

  return (
    // Not a <form>: "Create New Config" inside it is one, and forms do not nest.
    <div className="panel" role="form" aria-label={`Screen ${edited.title || edited.id}`}>
      <h2>
        {edited.title || edited.id} <code>{edited.id}</code>
      </h2>
      {screenWide.map((p, i) => (
        <p key={i} className="error">
          {p.message}
        </p>
      ))}
      <Field id={fieldIdOf(`${at}.title`)} label="Title" error={errorAt('title')}>
        <input
          value={edited.title ?? ''}
          onChange={(e) => setEdited((s) => ({ ...s, title: e.target.value }))}
        />
      </Field>

      <h3>Messages</h3>
      {messages.map((message, m) => (
        <MessageEditor
          key={m}
          message={message}
          path={`${at}.messages[${m}]`}
          errorAt={(p) => errorAt(`messages[${m}]${p}`)}
          screens={screens}
          forms={forms}
          onChange={(next) => setMessages(messages.map((x, i) => (i === m ? next : x)))}
          onRemove={() => setMessages(messages.filter((_x, i) => i !== m))}
        />
      ))}
      <div className="buttons">
        <button
          type="button"
          className="quiet"
          onClick={() => setMessages([...messages, { type: 'text', text: '' }])}
        >
          Add text message
        </button>
        <button
          type="button"
          className="quiet"
          onClick={() =>
            setMessages([
              ...messages,
              { type: 'buttons', text: '', buttons: [{ id: 'option_1', title: 'Option 1' }] },
            ])
          }
        >
          Add buttons message
        </button>
        {forms.length > 0 && (
          <button
            type="button"
            className="quiet"
            onClick={() =>
              setMessages([...messages, { type: 'flow', text: '', form: forms[0].id, cta: 'Open the form' }])
            }
          >
            Add form message
          </button>
        )}
      </div>

      <h3>Reply</h3>
      <label className="check">
        <input
          type="checkbox"
          checked={edited.input !== undefined}
          onChange={(e) =>
            setEdited((s) => {
              const { input: _old, ...rest } = s;
              return e.target.checked ? { ...rest, input: { variable: 'answer', type: 'string' } } : rest;
            })
          }
        />
        Wait for the contact's reply
      </label>
      {edited.input && (
        <>
          <Field
            id={fieldIdOf(`${at}.input.variable`)}
            label="Save the reply as"
            error={errorAt('input.variable')}
          >
            <input
              value={edited.input.variable}
              onChange={(e) => setEdited((s) => ({ ...s, input: { ...s.input!, variable: e.target.value } }))}
            />
          </Field>
          <Field id={fieldIdOf(`${at}.input.type`)} label="Reply type" error={errorAt('input.type')}>
            <select
              value={edited.input.type}
              onChange={(e) =>
                setEdited((s) => ({
                  ...s,
                  input: { ...s.input!, type: e.target.value as (typeof INPUT_TYPES)[number] },
                }))
              }
            >
              {INPUT_TYPES.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          </Field>
        </>
      )}

      <h3>Actions</h3>
      {actions.length === 0 && <p className="hint">No action: the run stops here until a reply or button.</p>}
      {actions.map((action, a) => (
        <ActionEditor
          key={a}
          api={api}
          action={action}
          path={`${at}.actions[${a}]`}
          errorAt={(p) => errorAt(`actions[${a}]${p}`)}
          screens={screens}
          apis={apis}
          connections={connections}
          onApiCreated={onApiCreated}
          onChange={(next) => setActions(actions.map((x, i) => (i === a ? next : x)))}
          onRemove={() => setActions(actions.filter((_x, i) => i !== a))}
        />
      ))}
      <Field id={`add-action-${edited.id}`} label="Add an action">
        <select
          value=""
          onChange={(e) => {
            const make = NEW_ACTIONS.find((n) => n.type === e.target.value);
            if (make) setActions([...actions, make.create(apis[0]?.id)]);
          }}
        >
          <option value="">Choose…</option>
          {NEW_ACTIONS.map((n) => (
            <option key={n.type} value={n.type}>
              {n.label}
            </option>
          ))}
        </select>
      </Field>

      <PanelActions busy={busy} onUpdate={update} onUndo={undo}>
        <button type="button" className="quiet danger" onClick={onDelete}>
          Delete screen
        </button>
      </PanelActions>
    </div>
  );
}

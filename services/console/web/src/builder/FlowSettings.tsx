import { useEffect, useState } from 'react';
import { Field } from '../Field';
import { type FlowDocument, fieldIdOf, keywordsOf, type Problem, withKeywords } from './draft';
import { focusField } from './panel';
import { type ScreenChoice, ScreenSelect } from './ScreenSelect';

/** The flow as a whole (nothing selected on the canvas): what starts it and the screen it starts on. */
export function FlowSettings({
  draft,
  screens,
  problems,
  focus,
  onSave,
  onAddForm,
}: {
  draft: FlowDocument;
  screens: ScreenChoice[];
  problems: Problem[];
  focus: { path: string } | null;
  onSave: (document: FlowDocument) => Promise<unknown>;
  /** A new WhatsApp form (Meta's WhatsApp Flows) in this flow, shown on the canvas. */
  onAddForm: (name: string) => Promise<unknown>;
}) {
  const [formName, setFormName] = useState('');
  const [keywords, setKeywords] = useState(keywordsOf(draft));
  const [startScreen, setStartScreen] = useState(draft.startScreen);
  const [apiTrigger, setApiTrigger] = useState((draft.triggers ?? []).some((t) => t.type === 'api'));
  useEffect(() => {
    setKeywords(keywordsOf(draft));
    setStartScreen(draft.startScreen);
    setApiTrigger((draft.triggers ?? []).some((t) => t.type === 'api'));
  }, [draft]);
  useEffect(() => {
    if (focus) focusField(focus.path);
  }, [focus]);
  const errorAt = (field: string) =>
    problems
      .filter((p) => p.path.split(/[.[]/)[0] === field)
      .map((p) => p.message)
      .join('; ') || null;
  const others = problems.filter((p) => !['triggers', 'startScreen'].includes(p.path.split(/[.[]/)[0]));

  return (
    <div className="panel">
      <form
        className="panel"
        aria-label="Flow settings"
        onSubmit={(e) => {
          e.preventDefault();
          const withWords = withKeywords(draft, keywords);
          const triggers = (withWords.triggers ?? []).filter((t) => t.type !== 'api');
          void onSave({
            ...withWords,
            startScreen,
            triggers: apiTrigger ? [...triggers, { type: 'api' }] : triggers,
          });
        }}
      >
        <h2>Flow settings</h2>
        <p className="hint">Click a screen on the canvas to edit it.</p>
        {others.map((p, i) => (
          <p key={i} className={p.severity === 'error' ? 'error' : 'hint'}>
            {p.message}
          </p>
        ))}
        <Field
          id={fieldIdOf('triggers')}
          label="Starts when a contact says (keywords, comma separated)"
          error={errorAt('triggers')}
        >
          <input value={keywords} onChange={(e) => setKeywords(e.target.value)} />
        </Field>
        <label className="check">
          <input type="checkbox" checked={apiTrigger} onChange={(e) => setApiTrigger(e.target.checked)} />
          Can also be started through the API
        </label>
        <Field id={fieldIdOf('startScreen')} label="Start screen" error={errorAt('startScreen')}>
          <ScreenSelect value={startScreen} screens={screens} onChange={setStartScreen} />
        </Field>
        <div className="buttons">
          <button type="submit">Save settings</button>
        </div>
      </form>
      {/* Apart from the settings' form: Enter in the form name adds no settings save. */}
      <section aria-label="WhatsApp forms">
        <h3>WhatsApp forms</h3>
        <p className="hint">
          Forms open in WhatsApp from a chat message; their screens' footers can call an API (data_exchange).
        </p>
        <div className="row">
          <Field id="new-form-name" label="New form name">
            <input value={formName} onChange={(e) => setFormName(e.target.value)} />
          </Field>
          <button
            type="button"
            className="quiet"
            disabled={!formName.trim()}
            onClick={() => {
              void onAddForm(formName.trim());
              setFormName('');
            }}
          >
            Add Form
          </button>
        </div>
      </section>
    </div>
  );
}

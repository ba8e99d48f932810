import { Field } from '../Field';
import { fieldIdOf, idOf, type Message } from './draft';
import { type ScreenChoice, ScreenSelect } from './ScreenSelect';

/** A text message, or a buttons message whose buttons each lead to a screen; other kinds are shown, not edited. */
export function MessageEditor({
  message,
  path,
  errorAt,
  screens,
  forms,
  onChange,
  onRemove,
}: {
  message: Message;
  path: string;
  errorAt: (path: string) => string | null;
  screens: ScreenChoice[];
  forms: Array<{ id: string; name: string }>;
  onChange: (message: Message) => void;
  onRemove: () => void;
}) {
  const remove = (
    <button type="button" className="quiet" onClick={onRemove}>
      Remove message
    </button>
  );
  if (message.type === 'flow' && !message.flowId)
    return (
      <fieldset className="item">
        <legend>Form message</legend>
        <Field id={fieldIdOf(`${path}.text`)} label="Text (may hold {{variables}})" error={errorAt('.text')}>
          <textarea
            rows={2}
            value={message.text}
            onChange={(e) => onChange({ ...message, text: e.target.value })}
          />
        </Field>
        <Field id={fieldIdOf(`${path}.form`)} label="Form" error={errorAt('.form')}>
          <select value={message.form ?? ''} onChange={(e) => onChange({ ...message, form: e.target.value })}>
            {message.form && !forms.some((f) => f.id === message.form) && (
              <option value={message.form}>{message.form} (no such form)</option>
            )}
            {forms.map((f) => (
              <option key={f.id} value={f.id}>
                {f.name}
              </option>
            ))}
          </select>
        </Field>
        <Field id={fieldIdOf(`${path}.cta`)} label="Button that opens it" error={errorAt('.cta')}>
          <input value={message.cta} onChange={(e) => onChange({ ...message, cta: e.target.value })} />
        </Field>
        {remove}
      </fieldset>
    );
  if (message.type !== 'text' && message.type !== 'buttons')
    return (
      <fieldset className="item">
        <legend>{message.type} message</legend>
        <p className="hint">Edited through the API or an exported bundle; kept as it is here.</p>
        {remove}
      </fieldset>
    );
  return (
    <fieldset className="item">
      <legend>{message.type === 'text' ? 'Text message' : 'Buttons message'}</legend>
      <Field id={fieldIdOf(`${path}.text`)} label="Text (may hold {{variables}})" error={errorAt('.text')}>
        <textarea
          rows={3}
          value={message.text}
          onChange={(e) => onChange({ ...message, text: e.target.value })}
        />
      </Field>
      {message.type === 'buttons' && (
        <>
          {message.buttons.map((b, i) => (
            <div key={i} className="row">
              <Field
                id={fieldIdOf(`${path}.buttons[${i}].title`)}
                label={`Button ${i + 1}`}
                error={errorAt(`.buttons[${i}].title`)}
              >
                <input
                  value={b.title}
                  onChange={(e) =>
                    onChange({
                      ...message,
                      buttons: message.buttons.map((x, j) =>
                        j === i
                          ? { ...x, title: e.target.value, id: uniqueId(message.buttons, j, e.target.value) }
                          : x,
                      ),
                    })
                  }
                />
              </Field>
              <Field
                id={fieldIdOf(`${path}.buttons[${i}].next`)}
                label="Goes to"
                error={errorAt(`.buttons[${i}].next`)}
              >
                <ScreenSelect
                  value={b.next}
                  screens={screens}
                  onChange={(next) =>
                    onChange({
                      ...message,
                      buttons: message.buttons.map((x, j) => (j === i ? { ...x, next } : x)),
                    })
                  }
                />
              </Field>
            </div>
          ))}
          {message.buttons.length < 3 && (
            <button
              type="button"
              className="quiet"
              onClick={() => {
                const title = `Option ${message.buttons.length + 1}`;
                onChange({
                  ...message,
                  buttons: [...message.buttons, { id: uniqueId(message.buttons, -1, title), title }],
                });
              }}
            >
              Add button
            </button>
          )}
        </>
      )}
      {remove}
    </fieldset>
  );
}

/** A button id from its title, unlike the message's other buttons' ids. */
function uniqueId(buttons: Array<{ id: string }>, self: number, title: string): string {
  const taken = new Set(buttons.filter((_b, i) => i !== self).map((b) => b.id));
  const base = idOf(title);
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}_${n}`;
  return id;
}

import type { ReactElement } from 'react';
import { cloneElement } from 'react';

/**
 * A labelled form field with its error in words right under it: the control gets its id, `aria-invalid` and
 * `aria-describedby` pointing at the error, so a screen reader reads the error with the field.
 */
export function Field({
  id,
  label,
  error,
  children,
}: {
  id: string;
  label: string;
  error?: string | null;
  children: ReactElement<Record<string, unknown>>;
}) {
  return (
    <>
      <label htmlFor={id}>{label}</label>
      {cloneElement(children, {
        id,
        ...(error ? { 'aria-invalid': true, 'aria-describedby': `${id}-error` } : {}),
      })}
      {error && (
        <p id={`${id}-error`} className="error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}

/** A form's foot: the error no field owns (read out at once), then submit and Cancel. */
export function FormButtons({
  error,
  busy,
  submit,
  onCancel,
}: {
  error?: string | null;
  busy: boolean;
  submit: string;
  onCancel: () => void;
}) {
  return (
    <>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="buttons">
        <button type="submit" disabled={busy}>
          {submit}
        </button>
        <button type="button" className="quiet" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </>
  );
}

/** A table's column heads; `actions` adds the (visually hidden) head of a last column of buttons. */
export function TableHead({ columns, actions = false }: { columns: string[]; actions?: boolean }) {
  return (
    <thead>
      <tr>
        {columns.map((c) => (
          <th key={c} scope="col">
            {c}
          </th>
        ))}
        {actions && (
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        )}
      </tr>
    </thead>
  );
}

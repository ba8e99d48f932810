import { type ReactNode, useEffect, useState } from 'react';
import { fieldIdOf } from './draft';

/**
 * What a side panel edits: a copy of a saved screen, put back by "Update Component". A save elsewhere (a screen
 * moved on the canvas) answers the same screen anew, so only a changed one resets the edits in progress; `focus`
 * (a new object each time, so that the same problem clicked again focuses again) moves to its field.
 */
export function useEditedCopy<T>(
  saved: T,
  focus: { path: string } | null,
  onUpdate: (edited: T) => Promise<void>,
) {
  const [edited, setEdited] = useState<T>(saved);
  const [busy, setBusy] = useState(false);
  const text = JSON.stringify(saved);
  useEffect(() => setEdited(JSON.parse(text) as T), [text]);
  useEffect(() => {
    if (focus) focusField(focus.path);
  }, [focus]);
  const update = () => {
    setBusy(true);
    void onUpdate(edited).finally(() => setBusy(false));
  };
  return { edited, setEdited, busy, update, undo: () => setEdited(saved) };
}

/** Focuses the control of a document path, or of the nearest enclosing path that has one. */
export function focusField(path: string): void {
  const parent = /(\.[^.[\]]+|\[\d+\])$/;
  for (let p = path; p; p = p.replace(parent, '')) {
    const element = document.getElementById(fieldIdOf(p));
    if (element) {
      element.focus();
      element.scrollIntoView?.({ block: 'center' });
      return;
    }
    if (!parent.test(p)) return;
  }
}

/** The panel's buttons, kept in view at its foot: Update Component, Undo changes, and any others. */
export function PanelActions({
  busy,
  onUpdate,
  onUndo,
  children,
}: {
  busy: boolean;
  onUpdate: () => void;
  onUndo: () => void;
  children?: ReactNode;
}) {
  return (
    <div className="buttons sticky">
      <button type="button" disabled={busy} onClick={onUpdate}>
        Update Component
      </button>
      <button type="button" className="quiet" onClick={onUndo}>
        Undo changes
      </button>
      {children}
    </div>
  );
}

import type React from 'react';

/** A screen as the dropdowns offer it. */
export type ScreenChoice = { id: string; title: string };

/** A screen picked by its title; "none" leaves the target unset (Verify names it if it is needed). */
export function ScreenSelect({
  value,
  screens,
  onChange,
  ...control
}: {
  value: string | undefined;
  screens: ScreenChoice[];
  onChange: (id: string | undefined) => void;
} & Omit<React.SelectHTMLAttributes<HTMLSelectElement>, 'value' | 'onChange'>) {
  // `control`: the id and aria attributes a Field gives its control.
  return (
    <select {...control} value={value ?? ''} onChange={(e) => onChange(e.target.value || undefined)}>
      <option value="">— none —</option>
      {value && !screens.some((s) => s.id === value) && (
        <option value={value}>{value} (no such screen)</option>
      )}
      {screens.map((s) => (
        <option key={s.id} value={s.id}>
          {s.title}
        </option>
      ))}
    </select>
  );
}

import { Handle, type Node, type NodeProps, Position } from '@xyflow/react';
import type { FormScreen, Screen } from './draft';

/** A line of a screen's summary on the canvas; actions are set apart. */
export type Line = { text: string; action?: boolean };

export type ScreenNode = Node<
  { title: string; id: string; start: boolean; lines: Line[]; problems: number },
  'screen'
>;

/** A screen on the canvas: its title, what it shows and waits for, what it does, and its problems. */
export function ScreenNodeView({ data, selected }: NodeProps<ScreenNode>) {
  const { title, id, start, lines, problems } = data;
  return (
    <div
      className={`screen-node${selected ? ' selected' : ''}${problems > 0 ? ' has-problems' : ''}`}
      data-screen={id}
    >
      <Handle type="target" position={Position.Top} />
      <div className="screen-title">
        {title}
        {start && <span className="badge">start</span>}
        {problems > 0 && (
          <span className="badge bad" aria-label={`${problems} problems`}>
            {problems}
          </span>
        )}
      </div>
      {lines.map((line, i) => (
        <div key={i} className={`screen-line${line.action ? ' action' : ''}`}>
          {line.text}
        </div>
      ))}
      <Handle type="source" position={Position.Bottom} />
    </div>
  );
}

/** A chat screen in a few lines: its first message, the reply it waits for, its actions. */
export function linesOf(screen: Screen, apiNames: Record<string, string>): Line[] {
  const messages = screen.messages ?? [];
  const lines: Line[] = [];
  if (messages[0]) lines.push({ text: cut('text' in messages[0] ? messages[0].text : messages[0].type) });
  if (messages.length > 1) lines.push({ text: `+${messages.length - 1} more` });
  if (screen.input) lines.push({ text: `waits for ${screen.input.variable}` });
  for (const action of screen.actions ?? [])
    lines.push({
      action: true,
      text:
        action.type === 'data_exchange'
          ? `API: ${apiNames[action.api] ?? (action.api || 'none chosen')}`
          : action.type === 'if'
            ? `If ${'variable' in action.condition ? action.condition.variable : 'group'}`
            : action.type === 'set_variable'
              ? `Set ${action.variable}`
              : action.type === 'navigate'
                ? 'Go to'
                : 'End',
    });
  return lines;
}

/** A form screen in a few lines: its fields, and its footer's button and action. */
export function formLinesOf(screen: FormScreen, apiNames: Record<string, string>): Line[] {
  const components = screen.components ?? [];
  const fields = components.filter((c) => 'label' in c).map((c) => ('label' in c ? c.label : ''));
  const lines: Line[] = [];
  const text = components.find((c) => 'text' in c);
  if (text && 'text' in text) lines.push({ text: cut(text.text) });
  if (fields.length > 0) lines.push({ text: cut(fields.join(', ')) });
  const action = screen.footer?.action;
  if (screen.footer && action)
    lines.push({
      action: true,
      text: `[${screen.footer.label}] ${
        action.type === 'data_exchange'
          ? `API: ${(action.api && apiNames[action.api]) ?? (action.api || 'none chosen')}`
          : action.type === 'navigate'
            ? 'next screen'
            : 'completes'
      }`,
    });
  return lines;
}

function cut(text: string): string {
  return text.length > 48 ? `${text.slice(0, 47)}…` : text || '(empty)';
}

import { Handle, type Node, type NodeProps, Position } from '@xyflow/react';
import type { Screen } from './draft';

export type ScreenNode = Node<
  { screen: Screen; start: boolean; apiNames: Record<string, string>; problems: number },
  'screen'
>;

/** A screen on the canvas: its title, what it says and waits for, what it does, and its problems. */
export function ScreenNodeView({ data, selected }: NodeProps<ScreenNode>) {
  const { screen, start, apiNames, problems } = data;
  const messages = screen.messages ?? [];
  return (
    <div
      className={`screen-node${selected ? ' selected' : ''}${problems > 0 ? ' has-problems' : ''}`}
      data-screen={screen.id}
    >
      <Handle type="target" position={Position.Top} />
      <div className="screen-title">
        {screen.title || screen.id}
        {start && <span className="badge">start</span>}
        {problems > 0 && (
          <span className="badge bad" aria-label={`${problems} problems`}>
            {problems}
          </span>
        )}
      </div>
      {messages.length > 0 && <div className="screen-line">{summary(messages[0])}</div>}
      {messages.length > 1 && <div className="screen-line">+{messages.length - 1} more</div>}
      {screen.input && <div className="screen-line">waits for {screen.input.variable}</div>}
      {(screen.actions ?? []).map((action, i) => (
        <div key={i} className="screen-line action">
          {action.type === 'data_exchange'
            ? `API: ${apiNames[action.api] ?? (action.api || 'none chosen')}`
            : action.type === 'if'
              ? `If ${'variable' in action.condition ? action.condition.variable : 'group'}`
              : action.type === 'set_variable'
                ? `Set ${action.variable}`
                : action.type === 'navigate'
                  ? 'Go to'
                  : 'End'}
        </div>
      ))}
      <Handle type="source" position={Position.Bottom} />
    </div>
  );
}

function summary(message: NonNullable<Screen['messages']>[number]): string {
  const text = 'text' in message ? message.text : `${message.type}`;
  return text.length > 48 ? `${text.slice(0, 47)}…` : text || '(empty message)';
}

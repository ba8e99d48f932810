import { countErrors, type FlowDocument, formScreenOf, type Problem, screenIndexOf } from './draft';

/** Every problem Verify found, each named by its screen (or form screen), a button that goes to its field. */
export function Problems({
  problems,
  draft,
  onFocus,
}: {
  problems: Problem[];
  draft: FlowDocument;
  onFocus: (problem: Problem) => void;
}) {
  if (problems.length === 0) return null;
  const errors = problems.filter((p) => p.severity === 'error');
  return (
    <details open={errors.length > 0} className="problems-box">
      <summary>
        {countErrors(problems)}
        {problems.length > errors.length ? `, ${problems.length - errors.length} warnings` : ''}
      </summary>
      <ul className="problems">
        {problems.map((p, i) => (
          <li key={i}>
            <button
              type="button"
              className={`link ${p.severity === 'error' ? 'bad' : ''}`}
              onClick={() => onFocus(p)}
            >
              <strong>{titleOf(p, draft)}</strong>: {p.message}
            </button>{' '}
            <code>{p.path}</code>
          </li>
        ))}
      </ul>
    </details>
  );
}

function titleOf(problem: Problem, document: FlowDocument): string {
  const inForm = formScreenOf(problem);
  const form = document.forms?.[inForm.form];
  if (form) {
    const screen = form.screens?.[inForm.screen];
    return screen ? `Form "${form.name}", screen "${screen.title}"` : `Form "${form.name}"`;
  }
  const screen = document.screens?.[screenIndexOf(problem)];
  if (screen) return `Screen "${screen.title || screen.id}"`;
  return problem.screenId ? `Screen "${problem.screenId}"` : 'Flow';
}

/**
 * The API ids a flow document names (its screens' data_exchange actions, its forms' data_exchange footers),
 * read and rewritten on the document as stored: a draft may not be valid, so this walks plain JSON rather than
 * a parsed FlowDocument. Export lists them; import points them at the APIs of the workspace it lands in.
 */
type Node = Record<string, unknown>;

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const nodes = (value: unknown): Node[] => (Array.isArray(value) ? value.filter(isNode) : []);

function dataExchanges(document: unknown): Node[] {
  if (!isNode(document)) return [];
  const actions = nodes(document.screens).flatMap((screen) => nodes(screen.actions));
  const footers = nodes(document.forms)
    .flatMap((form) => nodes(form.screens))
    .flatMap((screen) =>
      isNode(screen.footer) && isNode(screen.footer.action) ? [screen.footer.action] : [],
    );
  return [...actions, ...footers].filter((a) => a.type === 'data_exchange' && typeof a.api === 'string');
}

/** Every API id the document names, each once, in the order they appear. */
export function apiReferencesOf(document: unknown): string[] {
  return [...new Set(dataExchanges(document).map((a) => a.api as string))];
}

/** A copy of the document whose API ids are replaced as `replace` says (an id it does not know is kept). */
export function withApiReferences<T>(document: T, replace: (apiId: string) => string | undefined): T {
  const copy = structuredClone(document);
  for (const action of dataExchanges(copy)) action.api = replace(action.api as string) ?? action.api;
  return copy;
}

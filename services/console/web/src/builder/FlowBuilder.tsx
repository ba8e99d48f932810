import { type AdminClient, AdminApiError, must, type Schemas } from '@flowbridge/api-client';
import {
  applyNodeChanges,
  Background,
  Controls,
  type Edge,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { messageOf } from '../errors';
import { Outcome } from '../Outcome';
import { apisAndConnections } from '../useLoaded';
import {
  addForm,
  addFormScreen,
  addScreen,
  countErrors,
  formKey,
  formScreenOf,
  replaceFormScreen,
  type FlowDocument,
  type Problem,
  positionOf,
  removeScreen,
  replaceScreen,
  type Screen,
  screenIndexOf,
  withPosition,
} from './draft';
import { FlowSettings } from './FlowSettings';
import { Problems } from './Problems';
import { FormScreenPanel } from './FormScreenPanel';
import { type ScreenNode, ScreenNodeView } from './ScreenNode';
import { edgesOf, shownScreens } from './canvas';
import { ScreenPanel } from './ScreenPanel';
import { TestPanel } from './TestPanel';
import { Versions } from './Versions';

type Flow = Schemas['FlowView'];
const NODE_TYPES = { screen: ScreenNodeView };

/** The Flow Builder: a flow's screens on a canvas, one edited in the side panel, verified, published, tested. */
export function FlowBuilder(props: { api: AdminClient; flowId: string; onChanged: () => Promise<void> }) {
  return (
    <ReactFlowProvider>
      <Builder {...props} />
    </ReactFlowProvider>
  );
}

function Builder({
  api,
  flowId,
  onChanged,
}: {
  api: AdminClient;
  flowId: string;
  onChanged: () => Promise<void>;
}) {
  const [flow, setFlow] = useState<Flow | null>(null);
  const [draft, setDraft] = useState<FlowDocument | null>(null);
  const [problems, setProblems] = useState<Problem[]>([]);
  /** What the canvas shows: the chat screens (-1) or one WhatsApp form's screens (its index). */
  const [view, setView] = useState<number>(-1);
  const [selected, setSelected] = useState<number>(-1);
  const [focus, setFocus] = useState<{ path: string } | null>(null);
  const [nodes, setNodes] = useState<ScreenNode[]>([]);
  const [apis, setApis] = useState<Schemas['ApiView'][]>([]);
  const [connections, setConnections] = useState<Schemas['ConnectionView'][]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [versionsSeen, setVersionsSeen] = useState(0);
  const [newTitle, setNewTitle] = useState('');
  const revision = useRef<number>(0);
  const saving = useRef<Promise<unknown>>(Promise.resolve());
  const canvas = useReactFlow();

  const take = useCallback((view: Flow) => {
    setFlow(view);
    setDraft(view.draft);
    setProblems(view.problems);
    revision.current = view.revision;
  }, []);
  const loadApis = useCallback(async () => {
    const loaded = await apisAndConnections(api);
    setApis(loaded.apis);
    setConnections(loaded.connections);
  }, [api]);
  const reload = useCallback(async () => {
    take(must(await api.GET('/flows/{id}', { params: { path: { id: flowId } } })));
  }, [api, flowId, take]);
  useEffect(() => {
    Promise.all([reload(), loadApis()]).catch((e: unknown) => setError(messageOf(e)));
  }, [reload, loadApis]);

  const screens = useMemo(() => draft?.screens ?? [], [draft]);
  const form = view >= 0 ? draft?.forms?.[view] : undefined;
  const formScreens = useMemo(() => form?.screens ?? [], [form]);
  const shown = useMemo(
    () => (draft ? shownScreens(draft, view, apis, problems) : []),
    [draft, view, apis, problems],
  );
  useEffect(() => {
    if (!draft) return;
    setNodes(
      shown.map((screen, index) => ({
        id: screen.id,
        type: 'screen',
        position: positionOf(draft, screen.key, index),
        selected: index === selected,
        data: {
          title: screen.title,
          id: screen.id,
          start: screen.start,
          lines: screen.lines,
          problems: screen.problems,
        },
      })),
    );
  }, [draft, shown, selected]);
  // A screen added or removed, another form shown: the whole of it back in view.
  const count = shown.length;
  useEffect(() => {
    const timer = setTimeout(() => void canvas.fitView({ padding: 0.2, maxZoom: 1 }), 50);
    return () => clearTimeout(timer);
  }, [count, view, canvas]);
  const edges = useMemo(() => edgesOf(shown), [shown]);

  /** Saves the draft (one save at a time, each with the revision the last one answered: If-Match). */
  const save = useCallback(
    (document: FlowDocument, done?: string) => {
      setDraft(document);
      const next = saving.current.then(async () => {
        setError(null);
        const result = await api.PATCH('/flows/{id}', {
          params: { path: { id: flowId }, header: { 'if-match': `"${revision.current}"` } },
          body: {
            triggers: document.triggers,
            startScreen: document.startScreen,
            screens: document.screens,
            forms: document.forms,
            layout: document.layout,
          },
        });
        try {
          take(must(result));
          if (done) setNotice(done);
        } catch (e) {
          setError(
            e instanceof AdminApiError && e.status === 412
              ? 'Someone else saved this flow meanwhile: reload the page to see their change, then make yours again'
              : messageOf(e),
          );
        }
      });
      saving.current = next.catch(() => undefined);
      return next;
    },
    [api, flowId, take],
  );

  const focusProblem = (problem: Problem) => {
    const inForm = formScreenOf(problem);
    const index = inForm.form >= 0 ? inForm.screen : screenIndexOf(problem);
    const nextView = inForm.form;
    setView(nextView);
    setSelected(index);
    setFocus({ path: problem.path });
    const node = nextView === view ? nodes[index] : undefined;
    if (node)
      void canvas.setCenter(node.position.x + 110, node.position.y + 50, {
        zoom: Math.max(canvas.getZoom(), 0.8),
        duration: 300,
      });
  };

  async function act(work: () => Promise<void>) {
    setError(null);
    setNotice(null);
    try {
      await saving.current;
      await work();
    } catch (e) {
      setError(messageOf(e));
    }
  }
  const verify = () =>
    act(async () => {
      const result = must(await api.POST('/flows/{id}/validate', { params: { path: { id: flowId } } }));
      setProblems(result.problems);
      setNotice(result.publishable ? 'No problems: ready to publish' : null);
      if (!result.publishable) setError(`${countErrors(result.problems)} to fix: click one to go to it`);
    });
  const publish = () =>
    act(async () => {
      const result = await api.POST('/flows/{id}/publish', { params: { path: { id: flowId } } });
      if (result.response.status === 422) {
        setProblems((result.error as { problems?: Problem[] } | undefined)?.problems ?? []);
        setError('Not published: fix the problems below');
        return;
      }
      const published = must(result);
      setProblems(published.problems);
      setNotice(`Version ${published.version} published and active`);
      setVersionsSeen((n) => n + 1);
      await Promise.all([onChanged(), reload()]);
    });

  if (!flow || !draft) return <Outcome problem={error} notice={error ? null : 'Loading…'} />;
  const choices = screens.map((s) => ({ id: s.id, title: s.title || s.id }));
  const screen = form ? undefined : (screens[selected] as Screen | undefined);
  const formScreen = form ? formScreens[selected] : undefined;
  const forms = draft.forms ?? [];

  return (
    <div className="builder" role="region" aria-label={`Flow ${flow.name}`}>
      <div className="heading">
        <h2>{flow.name}</h2>
        <div className="buttons">
          <form
            className="add-screen"
            aria-label="Add Screen"
            onSubmit={(e) => {
              e.preventDefault();
              addNewScreen();
            }}
          >
            <label htmlFor="new-screen-title" className="visually-hidden">
              New screen title
            </label>
            <input
              id="new-screen-title"
              placeholder="New screen title"
              value={newTitle}
              onChange={(e) => setNewTitle(e.target.value)}
            />
            <button type="submit" className="quiet" disabled={!newTitle.trim()}>
              Add Screen
            </button>
          </form>
          <button type="button" onClick={() => void verify()}>
            Verify
          </button>
          <button type="button" onClick={() => void publish()}>
            Publish
          </button>
        </div>
      </div>
      <Outcome notice={notice} problem={error} />
      <Problems problems={problems} draft={draft} onFocus={focusProblem} />
      {forms.length > 0 && (
        <div className="row views">
          <label htmlFor="canvas-view">Showing</label>
          <select
            id="canvas-view"
            value={view}
            onChange={(e) => (setView(Number(e.target.value)), setSelected(-1), setFocus(null))}
          >
            <option value={-1}>Chat screens</option>
            {forms.map((f, i) => (
              <option key={f.id} value={i}>
                WhatsApp form: {f.name}
              </option>
            ))}
          </select>
        </div>
      )}
      <div className="canvas-and-panel">
        <div
          className="canvas"
          aria-label={form ? `Screens of the form ${form.name}` : 'Screens of the flow'}
        >
          <ReactFlow<ScreenNode, Edge>
            nodes={nodes}
            edges={edges}
            nodeTypes={NODE_TYPES}
            onNodesChange={(changes) => {
              setNodes((n) => applyNodeChanges(changes, n));
              // Selected by a click or from the keyboard (Tab to a screen, Enter): open it in the panel.
              const chosen = changes.find((c) => c.type === 'select' && c.selected);
              if (chosen && 'id' in chosen) {
                setSelected(shown.findIndex((s) => s.id === chosen.id));
                setFocus(null);
              }
            }}
            onPaneClick={() => setSelected(-1)}
            onNodeDragStop={(_e, node) =>
              void save(withPosition(draft, form ? formKey(form, node.id) : node.id, node.position))
            }
            nodesConnectable={false}
            fitView
            minZoom={0.3}
            proOptions={{ hideAttribution: true }}
          >
            <Background />
            <Controls showInteractive={false} />
          </ReactFlow>
        </div>
        <div className="side">
          {screen ? (
            <ScreenPanel
              key={screen.id}
              api={api}
              screen={screen}
              index={selected}
              screens={choices}
              problems={problems.filter((p) => screenIndexOf(p) === selected)}
              focus={focus}
              apis={apis}
              connections={connections}
              onApiCreated={loadApis}
              forms={forms.map((f) => ({ id: f.id, name: f.name }))}
              onUpdate={(edited) =>
                save(replaceScreen(draft, selected, edited), `Screen "${edited.title || edited.id}" updated`)
              }
              onDelete={() => {
                setSelected(-1);
                void save(removeScreen(draft, selected), `Screen "${screen.title || screen.id}" deleted`);
              }}
            />
          ) : form && formScreen ? (
            <FormScreenPanel
              key={`${form.id}:${formScreen.id}`}
              api={api}
              screen={formScreen}
              at={`forms[${view}].screens[${selected}]`}
              screens={formScreens.map((s) => ({ id: s.id, title: s.title }))}
              problems={problems.filter((p) => {
                const at = formScreenOf(p);
                return at.form === view && at.screen === selected;
              })}
              focus={focus}
              apis={apis}
              connections={connections}
              onApiCreated={loadApis}
              onUpdate={(edited) =>
                save(replaceFormScreen(draft, view, selected, edited), `Screen "${edited.title}" updated`)
              }
            />
          ) : (
            <FlowSettings
              draft={draft}
              screens={choices}
              problems={problems.filter((p) => screenIndexOf(p) === -1 && formScreenOf(p).screen === -1)}
              focus={focus}
              onSave={(document) => save(document, 'Flow settings saved')}
              onAddForm={(name) => {
                const added = addForm(draft, name);
                setView(added.index);
                setSelected(0);
                return save(added.document, `Form "${name}" added`);
              }}
            />
          )}
        </div>
      </div>
      {flow.activeVersion !== null && <TestPanel api={api} flowId={flowId} />}
      <Versions
        key={versionsSeen}
        api={api}
        flowId={flowId}
        onChanged={() => Promise.all([onChanged(), reload()]).then(() => undefined)}
      />
    </div>
  );

  function addNewScreen() {
    const title = newTitle.trim();
    setFocus(null);
    setNewTitle('');
    if (form) {
      const { document, id } = addFormScreen(draft!, view, title);
      setSelected(document.forms![view].screens!.findIndex((s) => s.id === id));
      return void save(document, `Screen "${title}" added`);
    }
    const { document, id } = addScreen(draft!, title);
    setSelected(document.screens!.findIndex((s) => s.id === id));
    void save(document, `Screen "${title}" added`);
  }
}

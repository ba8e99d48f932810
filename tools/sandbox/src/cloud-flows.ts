import { randomBytes } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import multer from 'multer';

/** A Flow as the sandbox's Cloud API keeps it. */
export interface SandboxFlow {
  id: string;
  wabaId: string;
  name: string;
  categories: string[];
  endpointUri: string | null;
  status: 'DRAFT' | 'PUBLISHED';
  flowJson: unknown;
  validationErrors: Array<Record<string, unknown>>;
}

const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 10 * 1024 * 1024, files: 1 } });

function graphError(res: Response, status: number, code: number, message: string): void {
  res.status(status).json({
    error: { message, type: 'OAuthException', code, fbtrace_id: randomBytes(9).toString('base64url') },
  });
}

/** Meta's objection to one part of a Flow JSON, in its shape. */
function objection(message: string, path: string): Record<string, unknown> {
  return {
    error: 'INVALID_PROPERTY_VALUE',
    error_type: 'FLOW_JSON_ERROR',
    message,
    line_start: 0,
    line_end: 0,
    column_start: 0,
    column_end: 0,
    pointers: [{ line_start: 0, line_end: 0, column_start: 0, column_end: 0, path }],
  };
}

/**
 * The sandbox's stand-in for Meta's checks of a Flow JSON (a subset: what a generator could get wrong): screens,
 * their ids (letters and underscores, `SUCCESS` reserved, unique), input labels within Meta's 20 characters, a
 * terminal screen, a routing model naming only screens, and an endpoint URI when the Flow uses the data endpoint.
 */
export function flowJsonObjections(
  json: unknown,
  endpointUri: string | null,
): Array<Record<string, unknown>> {
  const found: Array<Record<string, unknown>> = [];
  const flow = json as {
    version?: unknown;
    screens?: unknown;
    routing_model?: unknown;
    data_api_version?: unknown;
  };
  if (typeof flow?.version !== 'string') found.push(objection('version is required', 'version'));
  const screens = Array.isArray(flow?.screens) ? (flow.screens as Array<Record<string, unknown>>) : [];
  if (screens.length === 0) found.push(objection('At least one screen is required', 'screens'));
  const ids = new Set<string>();
  screens.forEach((screen, i) => {
    const id = screen?.id;
    if (typeof id !== 'string' || !/^[A-Za-z_]+$/.test(id) || id === 'SUCCESS')
      found.push(objection(`Invalid screen id ${String(id)}`, `screens[${i}].id`));
    else if (ids.has(id)) found.push(objection(`Duplicate screen id ${id}`, `screens[${i}].id`));
    else ids.add(id);
  });
  // Meta's label limits that a form's own schema leaves to Meta (20 characters for these).
  screens.forEach((screen, i) => {
    const layout = screen?.layout as { children?: Array<Record<string, unknown>> } | undefined;
    (layout?.children ?? []).forEach((child, c) => {
      if (
        ['TextInput', 'TextArea', 'Dropdown'].includes(String(child?.type)) &&
        typeof child.label === 'string' &&
        child.label.length > 20
      )
        found.push(
          objection(
            `${String(child.type)} label is longer than 20 characters`,
            `screens[${i}].layout.children[${c}].label`,
          ),
        );
    });
  });
  if (screens.length > 0 && !screens.some((s) => s?.terminal === true))
    found.push(objection('At least one screen must be terminal', 'screens'));
  const routing = (flow?.routing_model ?? {}) as Record<string, unknown>;
  for (const [from, to] of Object.entries(routing)) {
    if (!ids.has(from))
      found.push(objection(`routing_model names unknown screen ${from}`, `routing_model.${from}`));
    for (const next of Array.isArray(to) ? to : [])
      if (!ids.has(String(next)))
        found.push(objection(`routing_model names unknown screen ${String(next)}`, `routing_model.${from}`));
  }
  if (flow?.data_api_version !== undefined && !endpointUri)
    found.push(objection('A Flow with data_api_version needs an endpoint_uri', 'data_api_version'));
  return found;
}

/**
 * The Cloud API's Flows calls: `POST /{waba-id}/flows`, `POST /{flow-id}/assets` (the Flow JSON as a multipart
 * file, answered with `validation_errors`), `POST /{flow-id}/publish`, and `GET /{flow-id}` (answered by
 * `describeFlow` from the sandbox's own `GET /{id}`).
 */
export function flowRoutes(
  app: express.Express,
  flows: Map<string, SandboxFlow>,
  nextId: () => string,
): void {
  const bearer = (req: Request, res: Response): boolean => {
    if (/^Bearer \S+$/.test(req.headers.authorization ?? '')) return true;
    graphError(res, 401, 190, 'Invalid OAuth access token - Cannot parse access token');
    return false;
  };
  /** The Flow a call names, if the call carries a token and the Flow exists; otherwise Meta's error is answered. */
  const flowOf = (req: Request, res: Response): SandboxFlow | undefined => {
    if (!bearer(req, res)) return undefined;
    const flow = flows.get(String(req.params.flowId));
    if (!flow)
      graphError(
        res,
        400,
        100,
        `Unsupported post request. Object ${String(req.params.flowId)} does not exist`,
      );
    return flow;
  };
  app.post('/:version/:wabaId/flows', express.urlencoded({ extended: false }), (req, res) => {
    if (!bearer(req, res)) return;
    const body = req.body as { name?: unknown; categories?: unknown; endpoint_uri?: unknown };
    const categories = Array.isArray(body.categories) ? body.categories.map(String) : [];
    if (typeof body.name !== 'string' || body.name.length === 0 || categories.length === 0)
      return graphError(res, 400, 100, 'Invalid parameter: name and categories are required');
    const id = nextId();
    flows.set(id, {
      id,
      wabaId: String(req.params.wabaId),
      name: body.name,
      categories,
      endpointUri: typeof body.endpoint_uri === 'string' ? body.endpoint_uri : null,
      status: 'DRAFT',
      flowJson: null,
      validationErrors: [],
    });
    res.json({ id });
  });
  app.post('/:version/:flowId/assets', upload.single('file'), (req, res) => {
    const flow = flowOf(req, res);
    if (!flow) return;
    const body = req.body as { asset_type?: unknown; name?: unknown };
    if (body.asset_type !== 'FLOW_JSON' || !req.file)
      return graphError(res, 400, 100, 'Invalid parameter: a file with asset_type FLOW_JSON is required');
    let json: unknown;
    try {
      json = JSON.parse(req.file.buffer.toString('utf8'));
    } catch {
      return graphError(res, 400, 100, 'Invalid parameter: the Flow JSON is not JSON');
    }
    flow.flowJson = json;
    flow.validationErrors = flowJsonObjections(json, flow.endpointUri);
    res.json({ success: true, validation_errors: flow.validationErrors });
  });
  app.post('/:version/:flowId/publish', (req, res) => {
    const flow = flowOf(req, res);
    if (!flow) return;
    if (flow.flowJson === null || flow.validationErrors.length > 0)
      return graphError(res, 400, 139001, 'Publishing Flow in invalid state: fix the Flow JSON first');
    flow.status = 'PUBLISHED';
    res.json({ success: true });
  });
}

/** `GET /{flow-id}` as Meta answers it. */
export function describeFlow(flow: SandboxFlow, res: Response): void {
  res.json({
    id: flow.id,
    name: flow.name,
    status: flow.status,
    categories: flow.categories,
    endpoint_uri: flow.endpointUri,
    validation_errors: flow.validationErrors,
  });
}

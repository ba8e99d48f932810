// What the WhatsApp Cloud API checks in `POST /{version}/{phone-number-id}/messages` before accepting a
// message, for the types Flowbridge sends: the required fields and the documented length and count limits.
// https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages

/** A refusal as Meta words it: the error code, and the field in `error_data.details`. */
export interface Refusal {
  code: 100 | 131008 | 131009;
  details: string;
}

type Obj = Record<string, unknown>;

const MEDIA = new Set(['image', 'audio', 'video', 'document', 'sticker']);
const SENDABLE = new Set(['text', 'interactive', ...MEDIA, 'location', 'contacts', 'reaction', 'template']);

/** Null when the Cloud API would take this message; otherwise the first thing it would refuse. */
export function checkMessage(body: unknown): Refusal | null {
  try {
    validate(body);
    return null;
  } catch (error) {
    if (error instanceof RefusedError) return error.refusal;
    throw error;
  }
}

class RefusedError extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.details);
  }
}

const missing = (field: string): never => {
  throw new RefusedError({ code: 131008, details: `${field} is required` });
};
const invalid = (field: string, why: string): never => {
  throw new RefusedError({ code: 131009, details: `${field}: ${why}` });
};

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function obj(parent: Obj, key: string, path: string): Obj {
  const value = parent[key];
  if (value === undefined) return missing(path);
  if (!isObj(value)) return invalid(path, 'must be an object');
  return value;
}

function text(parent: Obj, key: string, path: string, max: number, required = true): string | undefined {
  const value = parent[key];
  if (value === undefined || value === null) return required ? missing(path) : undefined;
  if (typeof value !== 'string') return invalid(path, 'must be a string');
  if (required && value.trim() === '') return invalid(path, 'must not be empty');
  if (value.length > max) return invalid(path, `at most ${max} characters (got ${value.length})`);
  return value;
}

function validate(body: unknown): void {
  if (!isObj(body)) throw new RefusedError({ code: 100, details: 'the body must be a JSON object' });
  if (body.messaging_product === undefined) missing('messaging_product');
  if (body.messaging_product !== 'whatsapp') invalid('messaging_product', 'must be "whatsapp"');
  if (body.recipient_type !== undefined && body.recipient_type !== 'individual')
    invalid('recipient_type', 'must be "individual"');
  const to = text(body, 'to', 'to', 20)!;
  if (!/^\+?\d{6,15}$/.test(to)) invalid('to', 'must be a phone number');
  if (body.biz_opaque_callback_data !== undefined)
    text(body, 'biz_opaque_callback_data', 'biz_opaque_callback_data', 512);
  const type = body.type ?? 'text';
  if (typeof type !== 'string' || !SENDABLE.has(type))
    throw new RefusedError({ code: 100, details: `type: ${JSON.stringify(type)} is not a message type` });
  if (type === 'text') {
    const content = obj(body, 'text', 'text');
    text(content, 'body', 'text.body', 4096);
    if (content.preview_url !== undefined && typeof content.preview_url !== 'boolean')
      invalid('text.preview_url', 'must be a boolean');
  } else if (MEDIA.has(type)) media(type, obj(body, type, type));
  else if (type === 'interactive') interactive(obj(body, 'interactive', 'interactive'));
  else if (body[type] === undefined) missing(type);
}

function media(type: string, content: Obj): void {
  const hasLink = content.link !== undefined;
  if (hasLink === (content.id !== undefined)) invalid(type, 'give exactly one of "link" and "id"');
  if (hasLink) {
    const link = text(content, 'link', `${type}.link`, 2048)!;
    if (!/^https?:\/\/\S+$/i.test(link)) invalid(`${type}.link`, 'must be an http(s) URL');
  }
  if (content.caption !== undefined) {
    if (type === 'audio' || type === 'sticker') invalid(`${type}.caption`, `a ${type} has no caption`);
    text(content, 'caption', `${type}.caption`, 1024);
  }
  if (content.filename !== undefined) {
    if (type !== 'document') invalid(`${type}.filename`, 'only a document has a filename');
    text(content, 'filename', `${type}.filename`, 240);
  }
}

function interactive(content: Obj): void {
  const kind = content.type;
  if (kind === undefined) missing('interactive.type');
  if (kind !== 'button' && kind !== 'list' && kind !== 'flow')
    invalid('interactive.type', `"${String(kind)}" is not supported here (button, list, flow)`);
  if (content.header !== undefined) {
    const header = obj(content, 'header', 'interactive.header');
    if (header.type !== 'text') invalid('interactive.header.type', 'only text headers are supported here');
    text(header, 'text', 'interactive.header.text', 60);
  }
  text(
    obj(content, 'body', 'interactive.body'),
    'text',
    'interactive.body.text',
    kind === 'list' ? 4096 : 1024,
  );
  if (content.footer !== undefined)
    text(obj(content, 'footer', 'interactive.footer'), 'text', 'interactive.footer.text', 60);
  const action = obj(content, 'action', 'interactive.action');
  if (kind === 'button') buttons(action);
  else if (kind === 'list') list(action);
  else flow(action);
}

function buttons(action: Obj): void {
  const list = action.buttons;
  if (list === undefined) missing('interactive.action.buttons');
  if (!Array.isArray(list) || list.length < 1 || list.length > 3)
    invalid('interactive.action.buttons', 'must hold 1 to 3 buttons');
  const ids = new Set<string>();
  const titles = new Set<string>();
  (list as unknown[]).forEach((button, i) => {
    const at = `interactive.action.buttons[${i}]`;
    if (!isObj(button)) return invalid(at, 'must be an object');
    if (button.type !== 'reply') invalid(`${at}.type`, 'must be "reply"');
    const reply = obj(button, 'reply', `${at}.reply`);
    const id = text(reply, 'id', `${at}.reply.id`, 256)!;
    const title = text(reply, 'title', `${at}.reply.title`, 20)!;
    if (ids.has(id)) invalid(`${at}.reply.id`, 'button ids must be unique');
    if (titles.has(title)) invalid(`${at}.reply.title`, 'button titles must be unique');
    ids.add(id);
    titles.add(title);
  });
}

function list(action: Obj): void {
  text(action, 'button', 'interactive.action.button', 20);
  const sections = action.sections;
  if (sections === undefined) missing('interactive.action.sections');
  if (!Array.isArray(sections) || sections.length < 1 || sections.length > 10)
    invalid('interactive.action.sections', 'must hold 1 to 10 sections');
  const ids = new Set<string>();
  (sections as unknown[]).forEach((section, s) => {
    const at = `interactive.action.sections[${s}]`;
    if (!isObj(section)) return invalid(at, 'must be an object');
    text(section, 'title', `${at}.title`, 24, (sections as unknown[]).length > 1);
    const rows = section.rows;
    if (!Array.isArray(rows) || rows.length < 1) return invalid(`${at}.rows`, 'must hold at least one row');
    rows.forEach((row: unknown, r) => {
      const rowAt = `${at}.rows[${r}]`;
      if (!isObj(row)) return invalid(rowAt, 'must be an object');
      const id = text(row, 'id', `${rowAt}.id`, 200)!;
      text(row, 'title', `${rowAt}.title`, 24);
      text(row, 'description', `${rowAt}.description`, 72, false);
      if (ids.has(id)) invalid(`${rowAt}.id`, 'row ids must be unique');
      ids.add(id);
    });
  });
  if (ids.size > 10) invalid('interactive.action.sections', `at most 10 rows in all (got ${ids.size})`);
}

function flow(action: Obj): void {
  if (action.name !== 'flow') invalid('interactive.action.name', 'must be "flow"');
  const p = obj(action, 'parameters', 'interactive.action.parameters');
  const at = 'interactive.action.parameters';
  if (p.flow_message_version !== '3') invalid(`${at}.flow_message_version`, 'must be "3"');
  text(p, 'flow_token', `${at}.flow_token`, 1024);
  if (p.flow_id === undefined && p.flow_name === undefined) missing(`${at}.flow_id`);
  if (p.flow_id !== undefined) text(p, 'flow_id', `${at}.flow_id`, 64);
  text(p, 'flow_cta', `${at}.flow_cta`, 30);
  const flowAction = p.flow_action ?? 'navigate';
  if (flowAction !== 'navigate' && flowAction !== 'data_exchange')
    invalid(`${at}.flow_action`, 'must be "navigate" or "data_exchange"');
  if (flowAction === 'navigate') {
    const payload = obj(p, 'flow_action_payload', `${at}.flow_action_payload`);
    text(payload, 'screen', `${at}.flow_action_payload.screen`, 256);
    if (payload.data !== undefined && (!isObj(payload.data) || Object.keys(payload.data).length === 0))
      invalid(`${at}.flow_action_payload.data`, 'must be a non-empty object');
  } else if (p.flow_action_payload !== undefined)
    invalid(`${at}.flow_action_payload`, 'only with flow_action "navigate"');
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { flowDocumentJsonSchemas, pageExampleFlow } from '@flowbridge/flow-engine';
import Ajv from 'ajv';
import type { OpenAPIObject } from '@nestjs/swagger';
import { spawnSync } from 'node:child_process';
import { allSpecs } from '../tools/openapi/src/specs';

const ROOT = join(__dirname, '..');
const committed = (file: string) => readFileSync(join(ROOT, file), 'utf8');

type Operation = {
  operationId: string;
  requestBody?: unknown;
  security?: Array<Record<string, string[]>>;
  responses: Record<string, { content?: { 'application/json': { schema: Record<string, unknown> } } }>;
};

interface SchemaProperty {
  discriminator: { propertyName: string; mapping: Record<string, string> };
  items: unknown;
  $ref: string;
  writeOnly: boolean;
}

function operations(spec: OpenAPIObject): Array<[string, Operation]> {
  return Object.entries(spec.paths).flatMap(([path, item]) =>
    Object.entries(item as Record<string, Operation>).map(
      ([method, op]) => [`${method.toUpperCase()} ${path}`, op] as [string, Operation],
    ),
  );
}

// The committed documents are the API's contract (immich's habit): a change to what a route takes or answers
// shows in the same commit's diff of docs/openapi, and the generated client moves with it.
describe('[issue 20] the OpenAPI documents', () => {
  let specs: Record<string, OpenAPIObject>;
  beforeAll(async () => {
    specs = await allSpecs();
  }, 60_000);

  it('are committed exactly as the services generate them, and so is the client made from them (npm run openapi)', () => {
    for (const [file, spec] of Object.entries(specs))
      expect({ file, text: committed(`docs/openapi/${file}`) }).toEqual({
        file,
        text: `${JSON.stringify(spec, null, 2)}\n`,
      });
    // The client's types too, made by openapi-typescript (which also validates the document) in its own process.
    const check = spawnSync(process.execPath, [join(ROOT, 'scripts/openapi.mjs'), '--check'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    const failure = check.status === 0 ? '' : `${check.stdout}${check.stderr}`;
    expect({ status: check.status, failure }).toEqual({ status: 0, failure: '' });
    expect(check.stdout).toContain('the OpenAPI documents are up to date');
  }, 120_000);

  it('give every admin route its answer schema, the error shape with its codes, the admin key, and a unique id', () => {
    const merged = specs['admin-api.json'];
    const ops = operations(merged);
    expect(ops.length).toBeGreaterThanOrEqual(35);
    expect(new Set(ops.map(([, op]) => op.operationId)).size).toBe(ops.length);
    for (const [name, op] of ops) {
      expect({ name, security: op.security }).toEqual({ name, security: [{ adminKey: [] }] });
      const success = Object.entries(op.responses).filter(([status]) => status.startsWith('2'));
      expect({ name, successes: success.length }).toEqual({ name, successes: 1 });
      const [status, answer] = success[0];
      if (status !== '204')
        expect({ name, schema: answer.content?.['application/json'].schema }).toEqual({
          name,
          schema: expect.objectContaining({}),
        });
      for (const error of ['400', '401', '429', '503']) {
        const schema = op.responses[error]?.content?.['application/json'].schema;
        expect({ name, error, ref: schema?.$ref }).toEqual({
          name,
          error,
          ref: '#/components/schemas/ErrorBodyView',
        });
        expect(schema?.['x-error-codes']).toEqual(expect.arrayContaining([expect.any(String)]));
      }
      // What any route can answer is listed beside a route's own codes for the same status, never instead of them.
      const codes = (status: string) =>
        op.responses[status]?.content?.['application/json'].schema['x-error-codes'];
      expect({ name, codes: codes('400') }).toEqual({
        name,
        codes: expect.arrayContaining(['VALIDATION_FAILED', 'UNKNOWN_FIELD', 'MALFORMED_JSON']),
      });
      expect({ name, codes: codes('503') }).toEqual({
        name,
        codes: expect.arrayContaining(['SERVICE_UNAVAILABLE']),
      });
      if (op.requestBody) {
        expect({ name, codes: codes('400') }).toEqual({
          name,
          codes: expect.arrayContaining(['REQUEST_ABORTED', 'BODY_LENGTH_MISMATCH']),
        });
        expect({ name, t: codes('413'), u: codes('415') }).toEqual({
          name,
          t: expect.arrayContaining(['PAYLOAD_TOO_LARGE']),
          u: ['UNSUPPORTED_MEDIA_TYPE'],
        });
      }
    }
    // A route's own 400 codes with the common ones, e.g. a connection saved without its secret or with bad JSON.
    const create = ops.find(([name]) => name === 'POST /connections')![1];
    expect(create.responses['400'].content?.['application/json'].schema['x-error-codes']).toEqual([
      'SECRET_REQUIRED',
      'INVALID_HEADER',
      'FORBIDDEN_HEADER',
      'VALIDATION_FAILED',
      'UNKNOWN_FIELD',
      'MALFORMED_JSON',
      'REQUEST_ABORTED',
      'BODY_LENGTH_MISMATCH',
    ]);
    // A route's own codes, e.g. deleting a connection an API uses.
    const remove = ops.find(([name]) => name === 'DELETE /connections/{id}')![1];
    expect(remove.responses['409'].content?.['application/json'].schema['x-error-codes']).toEqual([
      'CONNECTION_IN_USE',
    ]);
    expect(merged.components?.securitySchemes).toEqual({
      adminKey: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      operatorKey: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    });
  });

  it('describe auth as oneOf by type, list queries, and the flow document from its zod schema', () => {
    const schemas = specs['admin-api.json'].components!.schemas! as unknown as Record<
      string,
      { properties: Record<string, SchemaProperty> }
    >;
    const auth = schemas.CreateConnectionDto.properties.auth;
    expect(auth.discriminator.propertyName).toBe('type');
    expect(Object.keys(auth.discriminator.mapping)).toEqual([
      'none',
      'bearer',
      'basic',
      'api_key',
      'oauth2_client_credentials',
    ]);
    expect(schemas.BearerAuthDto.properties.token.writeOnly).toBe(true);
    const listRuns = specs['admin-api.json'].paths['/runs'].get!;
    expect(listRuns.parameters!.map((p) => (p as { name: string }).name).sort()).toEqual([
      'contact',
      'flowId',
      'limit',
      'status',
    ]);
    expect(schemas.CreateFlowDto.properties.screens.items).toEqual({
      $ref: '#/components/schemas/FlowScreen',
    });
    expect(schemas.FlowView.properties.draft.$ref).toBe('#/components/schemas/FlowDocument');
  });

  it('type every property: none is an empty object (which the generated client reads as "nothing allowed")', () => {
    const schemas = specs['admin-api.json'].components!.schemas! as unknown as Record<
      string,
      { properties?: Record<string, Record<string, unknown>> }
    >;
    const untyped = Object.entries(schemas).flatMap(([name, schema]) =>
      Object.entries(schema.properties ?? {})
        .filter(
          ([, p]) =>
            p.type === 'object' &&
            ['properties', 'additionalProperties', '$ref', 'allOf', 'oneOf'].every((k) => p[k] === undefined),
        )
        .map(([property]) => `${name}.${property}`),
    );
    expect(untyped).toEqual([]);
    // What the fix gave the client: a body of any JSON, headers with secrets, a rate as a number.
    expect(schemas.CreateApiDto.properties!.body.oneOf).toHaveLength(5);
    expect(schemas.CreateConnectionDto.properties!.rateLimit).toMatchObject({
      type: 'number',
      nullable: true,
    });
    expect(readFileSync(join(ROOT, 'libs/api-client/src/schema.ts'), 'utf8')).not.toMatch(
      /^\s+\w+\??: Record<string, never>/m,
    );
  });

  it("the flow document's JSON Schema takes the page's flow and refuses what the engine refuses", () => {
    const named = flowDocumentJsonSchemas('#/definitions/');
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile({ ...named.FlowDocument, definitions: named });
    const page = pageExampleFlow('5f1b7c9e-3a2d-4e8f-9b6a-1c2d3e4f5a6b');
    expect(validate(page)).toBe(true);
    expect(validate({ ...page, screens: [{ ...page.screens[0], colour: 'red' }] })).toBe(false);
    expect(validate({ ...page, triggers: [{ type: 'keyword', keywords: [] }] })).toBe(false);
    expect(validate({ ...page, name: '' })).toBe(false);
  });
});

import { applyDecorators, type INestApplication, type Type } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  DocumentBuilder,
  getSchemaPath,
  type ApiPropertyOptions,
  type OpenAPIObject,
  SwaggerModule,
} from '@nestjs/swagger';
import { CommonErrorCode } from '../errors/app-error';

export interface OpenApiInfo {
  title: string;
  description: string;
  version?: string;
  /** Schemas made elsewhere than from classes (the flow document's, from its zod schema), by name. */
  schemas?: () => Record<string, Record<string, unknown>>;
}

/**
 * Schemas of free-form JSON, for properties whose TypeScript type Swagger cannot read (it would document an empty
 * `object`, which the generated client reads as "no properties allowed").
 */
export const JsonSchemas = {
  /** Any JSON value: a body, a body template, a response's data. */
  any: {
    type: undefined,
    oneOf: [
      { type: 'object', additionalProperties: true },
      { type: 'array', items: {} },
      { type: 'string' },
      { type: 'number' },
      { type: 'boolean' },
    ],
  },
  /** An object of any JSON values (variables, a form's values, a message). */
  object: { type: 'object', additionalProperties: true },
  /** An object of strings (headers as shown, a response mapping). */
  strings: { type: 'object', additionalProperties: { type: 'string' } },
  /** Request headers as given: a value, {"secret": value} to store it encrypted, or null (PATCH) to remove it. */
  headers: {
    type: 'object',
    additionalProperties: {
      nullable: true,
      oneOf: [
        { type: 'string' },
        {
          type: 'object',
          properties: { secret: { type: 'string', writeOnly: true } },
          required: ['secret'],
        },
      ],
    },
  },
} satisfies Record<string, ApiPropertyOptions>;

/** Every error any route answers: a stable code, a message for a human, and the offending field when one is. */
export class ErrorBodyView {
  @ApiProperty({ description: 'Stable, machine-readable: switch on this', example: 'VALIDATION_FAILED' })
  code!: string;

  @ApiProperty({
    description: 'For a human; may change between releases',
    example: 'title must not be empty',
  })
  message!: string;

  @ApiPropertyOptional({
    description: 'The request field the error is about (a dotted path)',
    example: 'title',
  })
  field?: string;
}

/** A status a route can answer with its error codes; the codes are listed in the response's description. */
export type ErrorCodesByStatus = Partial<
  Record<400 | 403 | 404 | 409 | 412 | 413 | 415 | 422 | 503, readonly string[]>
>;

/** The error body's schema, with the codes it may carry (`x-error-codes`: a generated client's switch). */
function errorSchema(codes: readonly string[]): never {
  return { $ref: getSchemaPath(ErrorBodyView), 'x-error-codes': codes } as never;
}

/** Documents the error answers of a route beyond those every admin route can give (see `openApiDocument`). */
export function ApiErrors(errors: ErrorCodesByStatus): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...Object.entries(errors).map(([status, codes]) =>
      ApiResponse({
        status: Number(status),
        description: `Error codes: ${codes.join(', ')}`,
        schema: errorSchema(codes),
      }),
    ),
  );
}

/** `{ items, total }`: a page of a list route. */
export function ApiPage(item: Type<unknown>, description = 'One page, newest first'): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(item),
    ApiResponse({
      status: 200,
      description,
      schema: {
        type: 'object',
        required: ['items', 'total'],
        properties: {
          items: { type: 'array', items: { $ref: getSchemaPath(item) } },
          total: { type: 'integer', description: 'How many match, across every page' },
        },
      },
    }),
  );
}

/** What every authenticated route can answer, whatever it does. */
const COMMON_ERRORS: Record<string, { description: string; codes: string[] }> = {
  '400': {
    description: 'The request is not well-formed',
    codes: [CommonErrorCode.ValidationFailed, CommonErrorCode.UnknownField, CommonErrorCode.MalformedJson],
  },
  '401': { description: 'No admin API key, or one that is not valid', codes: [CommonErrorCode.Unauthorized] },
  '429': { description: 'Too many requests from this key or address', codes: [CommonErrorCode.RateLimited] },
  '503': {
    description: 'A store or service it needs is unavailable: try again',
    codes: [CommonErrorCode.ServiceUnavailable],
  },
};

/** What a route that takes a body can also answer: the body cut off, too large, or in an encoding it does not read. */
const BODY_ERRORS: Record<string, { description: string; codes: string[] }> = {
  '400': {
    description: COMMON_ERRORS['400'].description,
    codes: [
      ...COMMON_ERRORS['400'].codes,
      CommonErrorCode.RequestAborted,
      CommonErrorCode.BodyLengthMismatch,
    ],
  },
  '413': {
    description: 'The body is larger than this route accepts',
    codes: [CommonErrorCode.PayloadTooLarge],
  },
  '415': {
    description: 'The body has an encoding or charset it does not read',
    codes: [CommonErrorCode.UnsupportedMediaType],
  },
};

/** The codes a route declared for one status with `ApiErrors` (none when it declared nothing). */
function ownCodes(response: unknown): string[] {
  const content = (
    response as { content?: Record<string, { schema?: { 'x-error-codes'?: string[] } }> } | undefined
  )?.content;
  return content?.['application/json']?.schema?.['x-error-codes'] ?? [];
}

export const ADMIN_KEY_SCHEME = 'adminKey';
export const OPERATOR_KEY_SCHEME = 'operatorKey';

/** A controller (or route) that needs an admin API key: every route but the public ones (webhooks). */
export const ApiAdminKey = (): MethodDecorator & ClassDecorator => ApiBearerAuth(ADMIN_KEY_SCHEME);

/**
 * The service's OpenAPI document: its routes with their responses, the error shape every error has, the two
 * keys as security schemes, and the errors every admin route can give added to each of them. Built the same way for `/docs` and for the committed specs (`npm run openapi`).
 */
export function openApiDocument(app: INestApplication, info: OpenApiInfo): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(info.title)
      .setDescription(info.description)
      .setVersion(info.version ?? '1')
      .addBearerAuth(
        { type: 'http', scheme: 'bearer', description: 'An admin API key: it acts in its workspace only' },
        ADMIN_KEY_SCHEME,
      )
      .addBearerAuth(
        {
          type: 'http',
          scheme: 'bearer',
          description: 'OPERATOR_API_KEY: the queue dashboard and operator routes, across workspaces',
        },
        OPERATOR_KEY_SCHEME,
      )
      .build(),
    {
      extraModels: [ErrorBodyView],
      operationIdFactory: (controller, method) => operationId(controller, method),
    },
  );
  Object.assign(document.components!.schemas!, info.schemas?.());
  for (const item of Object.values(document.paths))
    for (const operation of [item.get, item.post, item.patch, item.put, item.delete]) {
      if (!operation?.security?.some((requirement) => ADMIN_KEY_SCHEME in requirement)) continue;
      const common = operation.requestBody ? { ...COMMON_ERRORS, ...BODY_ERRORS } : COMMON_ERRORS;
      for (const [status, { description, codes }] of Object.entries(common)) {
        const own = ownCodes(operation.responses[status]);
        // A route's own codes for a status come first; the ones every route can give are added, not replaced.
        const all = [...new Set([...own, ...codes])];
        operation.responses[status] = {
          description: own.length
            ? `Error codes: ${all.join(', ')}`
            : `${description}. Error codes: ${all.join(', ')}`,
          content: {
            'application/json': { schema: errorSchema(all) },
          },
        };
      }
    }
  return document;
}

/** `ConnectionsController.create` → `connections_create`: stable names for a generated client. */
function operationId(controller: string, method: string): string {
  const subject = controller.replace(/Controller$/, '');
  return `${subject.charAt(0).toLowerCase()}${subject.slice(1)}_${method}`;
}

/** A property whose schema is one of the `OpenApiInfo.schemas` (or an array of it). */
export function schemaRef(name: string): { $ref: string } {
  return { $ref: getSchemaPath(name) };
}

/**
 * A property that is one of several classes told apart by one field (`auth` by its `type`): `oneOf` with a
 * discriminator, so a generated client gets a union it can narrow. Register the classes with `ApiExtraModels`.
 */
export function oneOfBy(
  property: string,
  variants: Record<string, Type<unknown>>,
): {
  oneOf: Array<{ $ref: string }>;
  discriminator: { propertyName: string; mapping: Record<string, string> };
} {
  return {
    oneOf: Object.values(variants).map((v) => ({ $ref: getSchemaPath(v) })),
    discriminator: {
      propertyName: property,
      mapping: Object.fromEntries(Object.entries(variants).map(([key, v]) => [key, getSchemaPath(v)])),
    },
  };
}

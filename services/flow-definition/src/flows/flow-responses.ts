import type { FlowVersionDocument } from '@flowbridge/contracts';
import { type Problem, ProblemCode } from '@flowbridge/flow-engine';
import { ErrorBodyView, schemaRef } from '@flowbridge/platform';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsObject, IsOptional, IsString, IsUUID, Length } from 'class-validator';

/** The response schemas of flow-definition's routes (what `FlowView`, the publish and versions answers are). */

export class ProblemView implements Problem {
  @ApiProperty({ enum: ['error', 'warning'], description: 'Errors refuse publishing; warnings do not' })
  severity!: 'error' | 'warning';

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The screen it is on; null for the flow as a whole',
  })
  screenId!: string | null;

  @ApiPropertyOptional({ description: "When it is in one of the flow's WhatsApp forms: that form" })
  formId?: string;

  @ApiProperty({ description: 'Where in the document', example: 'screens[1].actions[0].onFailure' })
  path!: string;

  @ApiProperty({ enum: Object.values(ProblemCode) })
  code!: Problem['code'];

  @ApiProperty({ example: 'data_exchange needs a failure screen (onFailure)' })
  message!: string;
}

export class FlowValidation {
  @ApiProperty({ type: [ProblemView], description: 'Every problem at once' })
  problems!: Problem[];

  @ApiProperty({ description: 'No error-level problem: it can be published' })
  publishable!: boolean;
}

export class FlowView extends FlowValidation {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'Order status' })
  name!: string;

  @ApiProperty({ type: [String], description: 'Channels it listens on; empty: every channel' })
  channelIds!: string[];

  @ApiProperty({ ...schemaRef('FlowDocument'), description: 'The draft as saved, even when it has problems' })
  draft!: Record<string, unknown>;

  @ApiProperty({ type: Number, nullable: true, description: 'The version new runs start on' })
  activeVersion!: number | null;

  @ApiProperty({ type: Number, nullable: true })
  latestVersion!: number | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  @ApiProperty({
    example: 4,
    description:
      'Goes up with every save of the draft; also its ETag. Send it back as If-Match when saving, so that a ' +
      'change made meanwhile by someone else is refused (412) instead of overwritten',
  })
  revision!: number;
}

export class VersionSummary {
  @ApiProperty({ example: 3 })
  version!: number;

  @ApiProperty({ format: 'date-time' })
  publishedAt!: string;

  @ApiProperty({ description: 'New runs start on it' })
  active!: boolean;
}

export class PublishResult extends VersionSummary {
  @ApiProperty({ format: 'uuid' })
  flowId!: string;

  @ApiProperty({ type: [ProblemView], description: 'Warnings found at publish (errors refuse it)' })
  problems!: Problem[];
}

export class VersionList {
  @ApiProperty({ type: [VersionSummary], description: 'Newest first' })
  items!: VersionSummary[];

  @ApiProperty({ type: Number, nullable: true })
  activeVersion!: number | null;
}

export class FlowVersionView implements FlowVersionDocument {
  @ApiProperty({ format: 'uuid' })
  flowId!: string;

  @ApiProperty()
  workspaceId!: string;

  @ApiProperty()
  version!: number;

  @ApiProperty({ ...schemaRef('FlowDocument'), description: 'As published (upgraded to its schemaVersion)' })
  document!: FlowVersionDocument['document'];

  @ApiProperty({ type: [String] })
  channelIds!: string[];

  @ApiProperty({ format: 'date-time' })
  publishedAt!: string;

  @ApiProperty()
  active!: boolean;
}

export class Deactivated {
  @ApiProperty({ type: 'null', nullable: true, enum: [null] })
  activeVersion!: null;
}

export class RunAccepted {
  @ApiProperty({
    description: 'The trigger event queued for the worker; a retry with the same key gets the same',
  })
  eventId!: string;

  @ApiProperty({ format: 'uuid' })
  flowId!: string;

  @ApiProperty({ description: 'The version the run starts on' })
  version!: number;
}

/** 422: refused with the problems to fix. */
export class FlowInvalidError extends ErrorBodyView {
  @ApiProperty({ type: [ProblemView] })
  problems!: Problem[];
}

export class ImportFlowDto {
  @ApiProperty({ ...schemaRef('FlowBundle'), description: 'What GET /flows/{id}/export gave' })
  @IsObject()
  bundle!: Record<string, unknown>;

  @ApiPropertyOptional({ description: "The new flow's name; default: the exported flow's", maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({
    description:
      'Secrets for the connections and APIs that do not exist here and have to be created, by title or name, ' +
      'then by the path the bundle names in requiredSecrets. An existing one is used as it is.',
    example: { connections: { 'Customer API': { 'auth.token': 'secret-token' } } },
    type: 'object',
    properties: {
      connections: {
        type: 'object',
        additionalProperties: { type: 'object', additionalProperties: { type: 'string' } },
      },
      apis: {
        type: 'object',
        additionalProperties: { type: 'object', additionalProperties: { type: 'string' } },
      },
    },
    writeOnly: true,
  })
  @IsOptional()
  @IsObject()
  secrets?: Record<string, Record<string, Record<string, string>>>;

  @ApiPropertyOptional({
    type: [String],
    description: 'Channels the new flow listens on; default: every channel',
  })
  @IsOptional()
  @IsArray()
  @IsUUID('all', { each: true })
  channelIds?: string[];
}

class ImportedNamesView {
  @ApiProperty({ type: [String], description: 'Connection titles' })
  connections!: string[];

  @ApiProperty({ type: [String], description: 'API names' })
  apis!: string[];
}

export class FlowImported {
  @ApiProperty({ type: FlowView, description: 'The new draft (publish it to run it)' })
  flow!: FlowView;

  @ApiProperty({ type: ImportedNamesView, description: 'Made here by this import' })
  created!: ImportedNamesView;

  @ApiProperty({ type: ImportedNamesView, description: 'Found here by name and used as they are' })
  matched!: ImportedNamesView;
}

class ImportProblemView {
  @ApiProperty({
    enum: [
      'SECRET_REQUIRED',
      'CONNECTION_REFUSED',
      'API_REFUSED',
      'API_NOT_IN_BUNDLE',
      'CONNECTION_NOT_IN_BUNDLE',
      'API_ON_OTHER_CONNECTION',
      'FLOW_NAME_TAKEN',
      'CHANNEL_NOT_FOUND',
      'INVALID_BUNDLE',
    ],
  })
  code!: string;

  @ApiProperty()
  message!: string;

  @ApiProperty({ example: 'secrets.connections["Customer API"].auth.token' })
  field!: string;
}

/** 422 IMPORT_REFUSED: every problem at once. */
export class ImportRefusedError extends ErrorBodyView {
  @ApiProperty({ type: [ImportProblemView] })
  problems!: ImportProblemView[];
}

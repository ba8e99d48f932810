import type { JsonValue } from '@flowbridge/contracts';
import type { RunStatus } from '@flowbridge/flow-engine';
import { CallLogEntryView, JsonSchemas } from '@flowbridge/platform';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { FormRequestOutcome, FormRequestView } from '../forms/form-requests.repository';

/** The response schemas of the runs routes: "verify API request execution". */

export const RUN_STATUSES: readonly RunStatus[] = [
  'active',
  'waiting_input',
  'completed',
  'failed',
  'expired',
];
const FORM_REQUEST_OUTCOMES: readonly FormRequestOutcome[] = [
  'answered',
  'failure',
  'deadline',
  'closed',
  'late',
];
const JSON_OBJECT = JsonSchemas.object;

export class RunSummary {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  channelId!: string;

  @ApiProperty({ description: "The contact's WhatsApp id", example: '447700900123' })
  contact!: string;

  @ApiProperty({ format: 'uuid' })
  flowId!: string;

  @ApiProperty({ description: 'The version it runs on, whatever was published since' })
  flowVersion!: number;

  @ApiProperty({ enum: RUN_STATUSES })
  status!: RunStatus;

  @ApiProperty({ type: String, nullable: true, description: 'The screen it is on (or ended on)' })
  screenId!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Why it ended abnormally, e.g. LOOP_LIMIT' })
  endReason!: string | null;

  @ApiProperty({ format: 'date-time' })
  startedAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  endedAt!: string | null;
}

export class RunList {
  @ApiProperty({ type: [RunSummary], description: 'Newest first' })
  items!: RunSummary[];
}

class RunStepView {
  @ApiProperty()
  screenId!: string;

  @ApiProperty({ description: 'What moved the run there: start, reply, api_success, api_failure, if…' })
  cause!: string;

  @ApiProperty({ type: String, nullable: true, description: 'The navigation that sent its messages' })
  navigationId!: string | null;

  @ApiProperty({ format: 'date-time' })
  enteredAt!: string;
}

class PendingApiView {
  @ApiProperty()
  apiId!: string;

  @ApiProperty({ description: "The step's key: its Idempotency-Key" })
  key!: string;
}

class RunCallView extends CallLogEntryView {
  @ApiProperty({ description: 'The API step the attempt belongs to' })
  stepKey!: string;

  @ApiProperty()
  apiId!: string;
}

class FormRequestResponse implements FormRequestView {
  @ApiProperty()
  requestId!: string;

  @ApiProperty()
  formId!: string;

  @ApiProperty({ enum: ['INIT', 'BACK', 'data_exchange'] })
  action!: string;

  @ApiProperty({ description: 'The screen the request came from' })
  screenId!: string;

  @ApiProperty({ type: String, nullable: true, description: 'The screen answered with' })
  answeredScreenId!: string | null;

  @ApiProperty({ enum: FORM_REQUEST_OUTCOMES })
  outcome!: FormRequestOutcome;

  @ApiProperty()
  durationMs!: number;

  @ApiProperty({ ...JSON_OBJECT, description: 'The values submitted; sensitive ones masked' })
  values!: Record<string, JsonValue>;

  @ApiProperty({ format: 'date-time' })
  receivedAt!: string;
}

export class RunDetail extends RunSummary {
  @ApiProperty({ type: [RunStepView], description: 'The screens entered, in order' })
  steps!: RunStepView[];

  @ApiProperty({ ...JSON_OBJECT, description: 'The run variables now (api_response among them)' })
  variables!: Record<string, JsonValue>;

  @ApiPropertyOptional({ type: PendingApiView, nullable: true, description: 'The API call it waits for' })
  pendingApi!: PendingApiView | null;

  @ApiProperty({ type: [RunCallView], description: 'Every API attempt, secrets masked' })
  callLog!: RunCallView[];

  @ApiProperty({
    type: [FormRequestResponse],
    description: "Its WhatsApp forms' requests to the data endpoint",
  })
  formRequests!: FormRequestView[];
}

import {
  type ApiResponse,
  type CallLogEntry,
  type JsonValue,
  OutboundErrorCode,
} from '@flowbridge/contracts';
import { ApiProperty } from '@nestjs/swagger';
import { JsonSchemas } from './openapi';

/** Response schemas of what a call to a business API produced, shared by the routes that show one. */
const STRINGS = JsonSchemas.strings;
const ANY_JSON = { ...JsonSchemas.any, description: 'Any JSON value', nullable: true } as const;

export class OutboundErrorView {
  @ApiProperty({ enum: Object.values(OutboundErrorCode) })
  code!: OutboundErrorCode;

  @ApiProperty()
  message!: string;
}

/** The `api_response` variable a flow reads after a `data_exchange`. */
export class ApiResponseView implements ApiResponse {
  @ApiProperty({ enum: ['success', 'failure'] })
  status!: 'success' | 'failure';

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'The HTTP status; null when no response arrived',
  })
  statusCode!: number | null;

  @ApiProperty({ ...ANY_JSON, description: 'The body as JSON when it is JSON, else its text' })
  data!: JsonValue;

  @ApiProperty({ ...STRINGS, description: 'A selection of response headers; never cookies' })
  headers!: Record<string, string>;

  @ApiProperty({ type: OutboundErrorView, nullable: true })
  error!: { code: OutboundErrorCode; message: string } | null;

  @ApiProperty({ description: 'Attempts made, this one included' })
  attempts!: number;

  @ApiProperty({ description: "From the first attempt's start to the end of the last" })
  durationMs!: number;

  @ApiProperty({ description: 'The body was longer than the limit and was cut' })
  truncated!: boolean;

  @ApiProperty({ required: false, description: 'Said it was JSON but did not parse: `data` is the text' })
  invalidJson?: boolean;
}

/** One attempt, as the call log keeps it: secrets masked, bodies cut to 10 KB. */
export class CallLogEntryView implements CallLogEntry {
  @ApiProperty()
  attempt!: number;

  @ApiProperty({ format: 'date-time' })
  startedAt!: string;

  @ApiProperty({ example: 'POST' })
  method!: string;

  @ApiProperty({ description: 'Secret query values masked' })
  url!: string;

  @ApiProperty({ ...STRINGS, description: 'Secret ones masked' })
  requestHeaders!: Record<string, string>;

  @ApiProperty({ type: String, nullable: true })
  requestBody!: string | null;

  @ApiProperty({ type: Number, nullable: true })
  statusCode!: number | null;

  @ApiProperty(STRINGS)
  responseHeaders!: Record<string, string>;

  @ApiProperty({ type: String, nullable: true })
  responseBody!: string | null;

  @ApiProperty({ description: 'Bytes received (decoded), before any cut' })
  responseSize!: number;

  @ApiProperty()
  truncated!: boolean;

  @ApiProperty()
  durationMs!: number;

  @ApiProperty({ enum: Object.values(OutboundErrorCode), nullable: true })
  errorCode!: OutboundErrorCode | null;

  @ApiProperty({ type: String, nullable: true })
  errorMessage!: string | null;

  @ApiProperty({ type: [String], description: 'Hosts of the redirect hops followed, in order' })
  redirects!: string[];
}

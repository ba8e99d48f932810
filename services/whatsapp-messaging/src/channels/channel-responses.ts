import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The response schemas of the channels routes. */

export class ChannelView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ description: "Meta's phone number id" })
  phoneNumberId!: string;

  @ApiProperty({ type: String, nullable: true, example: '+1 555 010 0000' })
  displayPhoneNumber!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'WhatsApp Business Account id (needed for forms)',
  })
  wabaId!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Masked, never in clear' })
  accessToken!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Masked, never in clear' })
  appSecret!: string | null;

  @ApiProperty({ description: "The webhook's verify token (Meta sends it back to subscribe)" })
  verifyToken!: string;

  @ApiProperty({ example: 'v23.0' })
  graphApiVersion!: string;

  @ApiProperty({ description: 'Send rate limit of the number' })
  messagesPerSecond!: number;

  @ApiProperty({
    type: String,
    nullable: true,
    format: 'date-time',
    description: 'Last WhatsApp Flows key upload',
  })
  flowKeyUploadedAt!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

export class ChannelList {
  @ApiProperty({ type: [ChannelView] })
  items!: ChannelView[];
}

class CloudApiErrorView {
  @ApiProperty({ description: "Meta's error code (190: the token is invalid or expired)" })
  code!: number;

  @ApiPropertyOptional()
  title?: string;

  @ApiPropertyOptional()
  message?: string;

  @ApiPropertyOptional()
  details?: string;

  @ApiProperty({ format: 'date-time' })
  at!: string;

  @ApiProperty({ enum: ['send', 'webhook'], description: 'Seen answering a send, or in a status webhook' })
  source!: 'send' | 'webhook';
}

export class ChannelHealth {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  healthy!: boolean;

  @ApiProperty({ description: 'False once Meta said the token is invalid (190), until it is replaced' })
  tokenValid!: boolean;

  @ApiProperty({ type: CloudApiErrorView, nullable: true })
  lastError!: CloudApiErrorView | null;
}

/** What the API shows of a channel's Flows key: the public half, and what Meta says of it. */
export class FlowKeyView {
  @ApiProperty({ format: 'uuid' })
  channelId!: string;

  @ApiProperty({ type: String, nullable: true, description: 'SPKI PEM; null until a key was made' })
  publicKey!: string | null;

  @ApiProperty({ type: String, nullable: true, description: "SHA-256 of the public key's DER, hex" })
  fingerprint!: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  uploadedAt!: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: "Meta's business_public_key_signature_status (e.g. VALID, MISMATCH), when asked",
  })
  signatureStatus?: string | null;

  @ApiPropertyOptional({ description: 'Whether the key Meta holds for the number is this one, when asked' })
  matchesCloudApi?: boolean;
}

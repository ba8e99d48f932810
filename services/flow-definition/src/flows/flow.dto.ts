import { JsonSchemas, schemaRef } from '@flowbridge/platform';
import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { Type } from 'class-transformer';

/**
 * The top level of a draft. What is inside triggers, screens and variables is read by the flow engine,
 * which reports every problem at once (saved with the draft) rather than refusing the first.
 */
export class CreateFlowDto {
  @ApiProperty({ example: 'Order status' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({ example: 1 })
  @IsOptional()
  @IsInt()
  schemaVersion?: number;

  @ApiPropertyOptional({
    type: 'array',
    items: schemaRef('FlowTrigger'),
    example: [{ type: 'keyword', keywords: ['order'], match: 'contains' }],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  triggers?: unknown[];

  @ApiPropertyOptional({ example: 'first_screen' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  startScreen?: string;

  @ApiPropertyOptional({
    type: 'array',
    items: schemaRef('FlowScreen'),
    description: 'Screens: messages, an optional input, ordered actions (SPEC §2).',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(300)
  screens?: unknown[];

  @ApiPropertyOptional({
    type: 'array',
    items: schemaRef('FlowForm'),
    description:
      'WhatsApp forms (Meta WhatsApp Flows) of this flow: screens with components and a footer whose action is ' +
      'navigate, complete, or data_exchange bound to an API with success and failure screens and API data.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  forms?: unknown[];

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, default: {} } },
    example: [{ name: 'campaign', default: 'none' }],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  variables?: unknown[];

  @ApiPropertyOptional({
    ...schemaRef('FlowLayout'),
    description: 'Where the Flow Builder draws each screen (by screen id); editor state that runs ignore.',
  })
  @IsOptional()
  @IsObject()
  layout?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: [String],
    description: 'Channels the flow listens on; empty or absent: every channel.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsUUID('all', { each: true })
  channelIds?: string[];
}

export class UpdateFlowDto extends PartialType(CreateFlowDto) {}

export class ListFlowsQueryDto {
  @ApiPropertyOptional({ minimum: 1, default: 50, description: 'Page size' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, default: 0, description: 'How many to skip' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  offset?: number;
}

export class RunContactDto {
  @ApiProperty({
    example: '447700900123',
    description: 'WhatsApp id: the number in international format, digits only',
  })
  @Matches(/^\d{6,15}$/, { message: 'contact.waId must be 6-15 digits (international format, no +)' })
  waId!: string;

  @ApiPropertyOptional({ example: 'Ana' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;
}

export class StartRunDto {
  @ApiProperty()
  @IsUUID('all')
  channelId!: string;

  @ApiProperty({ type: RunContactDto })
  @ValidateNested()
  @Type(() => RunContactDto)
  contact!: RunContactDto;

  @ApiPropertyOptional({ ...JsonSchemas.object, example: { order_id: 'A-17' } })
  @IsOptional()
  @IsObject()
  variables?: Record<string, unknown>;
}

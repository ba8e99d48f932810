import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';

export class CreateChannelDto {
  @ApiProperty({ description: "Meta's phone number id (webhooks name it in metadata.phone_number_id)" })
  @Matches(/^\d{1,20}$/, { message: 'phoneNumberId must be digits' })
  phoneNumberId!: string;

  @ApiProperty({ example: '+1 555 0100' })
  @IsString()
  @MinLength(1)
  @MaxLength(32)
  displayPhoneNumber!: string;

  @ApiProperty({ description: 'WhatsApp Business Account id' })
  @Matches(/^\d{1,20}$/, { message: 'wabaId must be digits' })
  wabaId!: string;

  @ApiProperty({ description: 'System-user access token (write-only)', writeOnly: true })
  @IsString()
  @MinLength(1)
  @MaxLength(4096)
  accessToken!: string;

  @ApiProperty({ description: "The Meta app's secret, which signs webhooks (write-only)", writeOnly: true })
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  appSecret!: string;

  @ApiProperty({ description: 'What the webhook verify handshake must present (hub.verify_token)' })
  @IsString()
  @MinLength(8)
  @MaxLength(256)
  verifyToken!: string;

  @ApiPropertyOptional({ example: 'v24.0', description: 'Default: GRAPH_API_VERSION' })
  @IsOptional()
  @Matches(/^v\d{1,3}\.\d{1,2}$/, { message: 'graphApiVersion must look like v24.0' })
  graphApiVersion?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 80 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  messagesPerSecond?: number;
}

export class UpdateChannelDto extends PartialType(CreateChannelDto) {}

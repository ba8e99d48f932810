import { Public } from '@flowbridge/platform';
import { Controller, Get, Headers, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ChannelsService } from '../channels/channels.service';
import { type IngestResult, WebhookIngest } from './ingest.service';

/** Meta's side of the service: the subscription handshake and the signed event POSTs. */
@ApiExcludeController()
@Public()
@Controller('webhooks/whatsapp')
export class WebhookController {
  constructor(
    private readonly channels: ChannelsService,
    private readonly ingestion: WebhookIngest,
  ) {}

  /** `hub.mode=subscribe` with a verify token some channel expects → the challenge as plain text; else 403. */
  @Get()
  async verify(@Query() query: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const mode = query['hub.mode'];
    const token = query['hub.verify_token'];
    const challenge = query['hub.challenge'];
    const ok =
      mode === 'subscribe' &&
      typeof token === 'string' &&
      token.length > 0 &&
      typeof challenge === 'string' &&
      challenge.length <= 256 &&
      (await this.channels.verifyTokenKnown(token));
    if (!ok) {
      res.status(403).type('text/plain').send('Forbidden');
      return;
    }
    res.status(200).type('text/plain').send(challenge);
  }

  @Post()
  @HttpCode(200)
  receive(@Req() req: Request, @Headers('x-hub-signature-256') signature?: string): Promise<IngestResult> {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    return this.ingestion.ingest(raw, signature);
  }
}

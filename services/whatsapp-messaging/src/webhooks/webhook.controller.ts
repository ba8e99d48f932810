import { Public } from '@flowbridge/platform';
import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { ChannelsService } from '../channels/channels.service';
import { WEBHOOK_PATH } from './webhook.route';

/** Meta's subscription handshake. Its signed event POSTs are answered in front of Nest: `webhookRoute`. */
@ApiExcludeController()
@Public()
@Controller(WEBHOOK_PATH)
export class WebhookController {
  constructor(private readonly channels: ChannelsService) {}

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
}

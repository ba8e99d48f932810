import { type PublishFormsResponse, RpcPattern } from '@flowbridge/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { PublishedForms } from './published-forms';

/** What flow-definition asks the messaging service: a published version's forms made Flows on the Cloud API. */
@Controller()
export class FormsRpcController {
  constructor(private readonly forms: PublishedForms) {}

  @MessagePattern(RpcPattern.MessagingPublishForms)
  publish(@Payload() request: unknown): Promise<PublishFormsResponse> {
    return this.forms.publish(request);
  }
}

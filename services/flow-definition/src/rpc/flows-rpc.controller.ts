import {
  type ActiveTriggersResponse,
  type FlowVersionResponse,
  type MatchTriggerResponse,
  RpcPattern,
} from '@flowbridge/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { FlowsRpcService } from './flows-rpc.service';

@Controller()
export class FlowsRpcController {
  constructor(private readonly rpc: FlowsRpcService) {}

  @MessagePattern(RpcPattern.FlowsVersion)
  version(@Payload() request: unknown): Promise<FlowVersionResponse> {
    return this.rpc.version(request);
  }

  @MessagePattern(RpcPattern.FlowsActiveTriggers)
  activeTriggers(@Payload() request: unknown): Promise<ActiveTriggersResponse> {
    return this.rpc.activeTriggers(request);
  }

  @MessagePattern(RpcPattern.FlowsMatchTrigger)
  matchTrigger(@Payload() request: unknown): Promise<MatchTriggerResponse> {
    return this.rpc.matchTrigger(request);
  }
}

import {
  type ConnectionsCheckApisResponse,
  type ConnectionsResolveResponse,
  RpcPattern,
} from '@flowbridge/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CheckApisService } from './check-apis.service';
import { ResolveService } from './resolve.service';

@Controller()
export class ResolveController {
  constructor(
    private readonly resolver: ResolveService,
    private readonly checker: CheckApisService,
  ) {}

  @MessagePattern(RpcPattern.ConnectionsResolve)
  resolve(@Payload() request: unknown): Promise<ConnectionsResolveResponse> {
    return this.resolver.resolve(request);
  }

  @MessagePattern(RpcPattern.ConnectionsCheckApis)
  checkApis(@Payload() request: unknown): Promise<ConnectionsCheckApisResponse> {
    return this.checker.check(request);
  }
}

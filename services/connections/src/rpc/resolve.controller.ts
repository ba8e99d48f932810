import { type ConnectionsResolveResponse, RpcPattern } from '@flowbridge/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ResolveService } from './resolve.service';

@Controller()
export class ResolveController {
  constructor(private readonly resolver: ResolveService) {}

  @MessagePattern(RpcPattern.ConnectionsResolve)
  resolve(@Payload() request: unknown): Promise<ConnectionsResolveResponse> {
    return this.resolver.resolve(request);
  }
}

import {
  type ConnectionsCheckApisResponse,
  type ConnectionsResolveResponse,
  type ExportApisResponse,
  type ImportApisResponse,
  RpcPattern,
} from '@flowbridge/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { BundlesService } from './bundles.service';
import { CheckApisService } from './check-apis.service';
import { ResolveService } from './resolve.service';

@Controller()
export class ResolveController {
  constructor(
    private readonly resolver: ResolveService,
    private readonly checker: CheckApisService,
    private readonly bundles: BundlesService,
  ) {}

  @MessagePattern(RpcPattern.ConnectionsResolve)
  resolve(@Payload() request: unknown): Promise<ConnectionsResolveResponse> {
    return this.resolver.resolve(request);
  }

  @MessagePattern(RpcPattern.ConnectionsCheckApis)
  checkApis(@Payload() request: unknown): Promise<ConnectionsCheckApisResponse> {
    return this.checker.check(request);
  }

  @MessagePattern(RpcPattern.ConnectionsExportApis)
  exportApis(@Payload() request: unknown): Promise<ExportApisResponse> {
    return this.bundles.export(request);
  }

  @MessagePattern(RpcPattern.ConnectionsImportApis)
  importApis(@Payload() request: unknown): Promise<ImportApisResponse> {
    return this.bundles.import(request);
  }
}

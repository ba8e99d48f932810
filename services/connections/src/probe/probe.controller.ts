import { IdPipe, WorkspaceId } from '@flowbridge/platform';
import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ConnectionsErrorCode } from '../rules/errors';
import { type ApiTestResult, type ConnectionTestResult, TestApiDto } from './probe.dto';
import { ProbeService } from './probe.service';

@ApiTags('test')
@ApiBearerAuth()
@Controller()
export class ProbeController {
  constructor(private readonly probe: ProbeService) {}

  @Post('apis/:id/test')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Test API before deployment: run the real request with sample variables (retries included)',
  })
  testApi(
    @WorkspaceId() workspaceId: string,
    @Param('id', new IdPipe(ConnectionsErrorCode.ApiNotFound)) id: string,
    @Body() dto: TestApiDto,
  ): Promise<ApiTestResult> {
    return this.probe.testApi(workspaceId, id, dto.variables ?? {});
  }

  @Post('connections/:id/test')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Reachability of the base URL: DNS, TLS, HTTP status and latency, with a verdict',
  })
  testConnection(
    @WorkspaceId() workspaceId: string,
    @Param('id', new IdPipe(ConnectionsErrorCode.ConnectionNotFound)) id: string,
  ): Promise<ConnectionTestResult> {
    return this.probe.testConnection(workspaceId, id);
  }
}

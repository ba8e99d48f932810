import { ApiAdminKey, ApiErrors, IdPipe, WorkspaceId } from '@flowbridge/platform';
import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ConnectionsErrorCode } from '../rules/errors';
import { ApiTestResult, ConnectionTestResult, TestApiDto } from './probe.dto';
import { ProbeService } from './probe.service';

@ApiTags('test')
@ApiAdminKey()
@Controller()
export class ProbeController {
  constructor(private readonly probe: ProbeService) {}

  @Post('apis/:id/test')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Test API before deployment: run the real request with sample variables (retries included)',
  })
  @ApiOkResponse({ type: ApiTestResult, description: "The API's answer, success or failure, is a 200" })
  @ApiErrors({ 404: [ConnectionsErrorCode.ApiNotFound] })
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
  @ApiOkResponse({ type: ConnectionTestResult })
  @ApiErrors({ 404: [ConnectionsErrorCode.ConnectionNotFound] })
  testConnection(
    @WorkspaceId() workspaceId: string,
    @Param('id', new IdPipe(ConnectionsErrorCode.ConnectionNotFound)) id: string,
  ): Promise<ConnectionTestResult> {
    return this.probe.testConnection(workspaceId, id);
  }
}

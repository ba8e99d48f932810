import { Injectable, Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { PlatformConfig } from '../config';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeysService } from './api-keys.service';
import { WorkspaceScopeInterceptor } from './workspace-scope.interceptor';

@Injectable()
class AdminKeySeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger('AdminKeySeeder');

  constructor(
    private readonly config: PlatformConfig,
    private readonly keys: ApiKeysService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.ADMIN_API_KEY) return;
    await this.keys.seed(this.config.ADMIN_API_KEY, this.config.ADMIN_WORKSPACE);
    this.logger.log(
      { workspaceId: this.config.ADMIN_WORKSPACE },
      'admin API key from ADMIN_API_KEY is active',
    );
  }
}

@Module({
  providers: [
    ApiKeysService,
    AdminKeySeeder,
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_INTERCEPTOR, useClass: WorkspaceScopeInterceptor },
  ],
  exports: [ApiKeysService],
})
export class AuthModule {}

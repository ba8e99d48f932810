import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource, IsNull, type Repository } from 'typeorm';
import { Tenancy } from '../database/tenancy';
import { ApiKeyEntity } from './api-key.entity';

export interface Principal {
  workspaceId: string;
  keyId: string;
}

export interface ApiKeySummary {
  id: string;
  workspaceId: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const KEY_PREFIX = 'fb_';
const SHOWN_PREFIX_LENGTH = 11;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Keys are 192 random bits, so a fast hash is enough: there is nothing to brute-force. */
export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(24).toString('base64url');
}

@Injectable()
export class ApiKeysService {
  private readonly logger = new Logger(ApiKeysService.name);
  private readonly repo: Repository<ApiKeyEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(ApiKeyEntity);
  }

  async create(workspaceId: string, name: string): Promise<{ key: string; summary: ApiKeySummary }> {
    const key = generateApiKey();
    const saved = await Tenancy.forWorkspace(workspaceId, () =>
      this.repo.save(
        this.repo.create({
          id: randomUUID(),
          workspaceId,
          name,
          prefix: key.slice(0, SHOWN_PREFIX_LENGTH),
          keyHash: hashApiKey(key),
        }),
      ),
    );
    return { key, summary: toSummary(saved) };
  }

  /**
   * Seeds a key chosen by the operator (`ADMIN_API_KEY`). A revoked seed stays revoked. Across workspaces:
   * the same key may already belong to another one.
   */
  seed(key: string, workspaceId: string): Promise<void> {
    return Tenancy.acrossWorkspaces(() => this.seedKey(key, workspaceId));
  }

  private async seedKey(key: string, workspaceId: string): Promise<void> {
    const keyHash = hashApiKey(key);
    await this.repo
      .createQueryBuilder()
      .insert()
      .values({
        id: randomUUID(),
        workspaceId,
        name: 'seeded from ADMIN_API_KEY',
        prefix: key.slice(0, SHOWN_PREFIX_LENGTH),
        keyHash,
      })
      .orIgnore()
      .execute();
    const row = await this.repo.findOneBy({ keyHash });
    if (row && row.workspaceId !== workspaceId) {
      this.logger.warn(
        { keyId: row.id },
        'ADMIN_API_KEY already exists for another workspace; left unchanged',
      );
    }
  }

  /** The key's workspace, found across workspaces: the key is what says which one. */
  async verify(key: string): Promise<Principal | null> {
    const row = await Tenancy.acrossWorkspaces(() =>
      this.repo.findOneBy({ keyHash: hashApiKey(key), revokedAt: IsNull() }),
    );
    if (!row) return null;
    this.touch(row);
    return { workspaceId: row.workspaceId, keyId: row.id };
  }

  async revoke(id: string): Promise<boolean> {
    const result = await this.repo.update({ id, revokedAt: IsNull() }, { revokedAt: new Date() });
    return (result.affected ?? 0) > 0;
  }

  async list(workspaceId?: string): Promise<ApiKeySummary[]> {
    const rows = await this.repo.find({
      where: workspaceId ? { workspaceId } : {},
      order: { createdAt: 'ASC' },
    });
    return rows.map(toSummary);
  }

  /** Records use at most once a minute per key, off the request path. */
  private touch(row: ApiKeyEntity): void {
    const now = Date.now();
    if (row.lastUsedAt && now - row.lastUsedAt.getTime() < 60_000) return;
    void Tenancy.forWorkspace(row.workspaceId, () =>
      this.repo.update({ id: row.id }, { lastUsedAt: new Date(now) }),
    ).catch((err: unknown) => {
      this.logger.warn({ err }, 'could not record API key use');
    });
  }
}

function toSummary(row: ApiKeyEntity): ApiKeySummary {
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
  };
}

import 'reflect-metadata';
import { runMigrateCli } from '@flowbridge/platform';
import { SERVICE_NAME } from './app.module';
import { WORKER_MIGRATIONS, WORKER_SCHEMA } from './migrations';

runMigrateCli({ service: SERVICE_NAME, schema: WORKER_SCHEMA, migrations: WORKER_MIGRATIONS });

import 'reflect-metadata';
import { runMigrateCli } from '@flowbridge/platform';
import { SERVICE_NAME } from './app.module';
import { MESSAGING_MIGRATIONS, MESSAGING_SCHEMA } from './migrations';

runMigrateCli({ service: SERVICE_NAME, schema: MESSAGING_SCHEMA, migrations: MESSAGING_MIGRATIONS });

import 'reflect-metadata';
import { runMigrateCli } from '@flowbridge/platform';
import { SERVICE_NAME } from './app.module';
import { FLOW_DEFINITION_MIGRATIONS, FLOW_DEFINITION_SCHEMA } from './migrations';

runMigrateCli({
  service: SERVICE_NAME,
  schema: FLOW_DEFINITION_SCHEMA,
  migrations: FLOW_DEFINITION_MIGRATIONS,
});

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The trace a queued send continues (OpenTelemetry's W3C `traceparent`, from its navigation), so that the Cloud
 * API call joins the step's trace whenever it is made. Null when tracing is off.
 */
export class MessagingSendTraces1764000000560 implements MigrationInterface {
  name = 'MessagingSendTraces1764000000560';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "whatsapp_messaging"."messages" ADD COLUMN "trace_parent" text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "whatsapp_messaging"."messages" DROP COLUMN "trace_parent"`);
  }
}

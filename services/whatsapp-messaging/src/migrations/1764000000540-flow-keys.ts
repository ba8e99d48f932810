import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each channel's key pair for its WhatsApp Flows data endpoint: the private key sealed like the channel's other
 * secrets, the public key as uploaded to the Cloud API, and when it was.
 */
export class MessagingFlowKeys1764000000540 implements MigrationInterface {
  name = 'MessagingFlowKeys1764000000540';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE "whatsapp_messaging"."channels" ADD "flow_private_key" jsonb, ADD "flow_public_key" text,
         ADD "flow_key_uploaded_at" timestamptz`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE "whatsapp_messaging"."channels" DROP COLUMN "flow_key_uploaded_at",
         DROP COLUMN "flow_public_key", DROP COLUMN "flow_private_key"`,
    );
  }
}

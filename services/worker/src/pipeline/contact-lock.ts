import type { EntityManager } from 'typeorm';
import type { ContactKey } from './jobs';

/** Takes the contact's row lock for the rest of the transaction (creating the row the first time). */
export async function lockContact(tx: EntityManager, contact: ContactKey): Promise<void> {
  const key = [contact.workspaceId, contact.channelId, contact.waId];
  await tx.query(
    `INSERT INTO worker.contacts (workspace_id, channel_id, wa_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
    key,
  );
  await tx.query(
    `SELECT 1 FROM worker.contacts WHERE workspace_id = $1 AND channel_id = $2 AND wa_id = $3 FOR UPDATE`,
    key,
  );
}

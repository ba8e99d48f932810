import type { EntityManager } from 'typeorm';
import type { ContactKey } from './jobs';

/**
 * Takes the contact's lock for the rest of the transaction: an advisory lock on a 64-bit hash of the
 * contact, one statement and nothing written. Two contacts whose hashes collide merely wait for each other.
 */
export async function lockContact(tx: EntityManager, contact: ContactKey): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
    `worker-contact:${contact.workspaceId}/${contact.channelId}/${contact.waId}`,
  ]);
}

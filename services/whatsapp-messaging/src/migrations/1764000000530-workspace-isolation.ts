import { workspaceIsolationMigration } from '@flowbridge/platform';

/** Row-level security: channels and messages by their workspace, delivery statuses through their channel. */
export const MessagingIsolation1764000000530 = workspaceIsolationMigration(
  'MessagingIsolation1764000000530',
  [
    { table: '"whatsapp_messaging"."channels"' },
    { table: '"whatsapp_messaging"."messages"' },
    {
      table: '"whatsapp_messaging"."statuses"',
      through: { parent: '"whatsapp_messaging"."channels"', column: 'channel_id' },
    },
  ],
);

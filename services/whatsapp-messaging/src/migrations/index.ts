import { Messaging1764000000500 } from './1764000000500-channels-and-messages';
import { MessagingOutbound1764000000510 } from './1764000000510-outbound-sends';
import { MessagingRedisEpochs1764000000520 } from './1764000000520-redis-epochs';
import { MessagingIsolation1764000000530 } from './1764000000530-workspace-isolation';
import { MessagingFlowKeys1764000000540 } from './1764000000540-flow-keys';
import { MessagingPublishedForms1764000000550 } from './1764000000550-published-forms';
import { MessagingSendTraces1764000000560 } from './1764000000560-send-traces';

export const MESSAGING_SCHEMA = 'whatsapp_messaging';
export const MESSAGING_MIGRATIONS = [
  Messaging1764000000500,
  MessagingOutbound1764000000510,
  MessagingRedisEpochs1764000000520,
  MessagingIsolation1764000000530,
  MessagingFlowKeys1764000000540,
  MessagingPublishedForms1764000000550,
  MessagingSendTraces1764000000560,
];

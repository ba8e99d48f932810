import type { Trigger } from '@flowbridge/flow-engine';
import { triggerConflicts } from './trigger-conflicts';

// The unit test of what publishing and activation refuse beside the workspace's other active flows. The whole
// publish runs against Postgres in test/flow-definition.test.ts.

const keyword = (...keywords: string[]): Trigger => ({ type: 'keyword', keywords, match: 'exact' });

describe('triggerConflicts: one flow answers a message', () => {
  it('a keyword another active flow answers on a shared channel is an error naming that flow and the keyword', () => {
    const problems = triggerConflicts(
      [keyword('Order', 'track')],
      ['ch-1', 'ch-2'],
      [
        { name: 'Orders', triggers: [keyword('order')], channelIds: ['ch-2'] },
        { name: 'Support', triggers: [keyword('help')], channelIds: ['ch-1'] },
      ],
    );
    expect(problems).toEqual([
      expect.objectContaining({
        severity: 'error',
        path: 'triggers',
        code: 'TRIGGER_CONFLICT',
        message: expect.stringMatching(/"Orders" already answers keyword "order"/),
      }),
    ]);
  });

  it('flows on different channels never conflict; a flow on every channel (no list) meets them all', () => {
    const everywhere = { name: 'Catch-all', triggers: [{ type: 'any_message' } as Trigger], channelIds: [] };
    const elsewhere = { name: 'Elsewhere', triggers: [keyword('order')], channelIds: ['ch-9'] };
    expect(triggerConflicts([keyword('order')], ['ch-1'], [elsewhere])).toEqual([]);
    expect(triggerConflicts([{ type: 'any_message' }], ['ch-1'], [everywhere, elsewhere])).toEqual([
      expect.objectContaining({
        message: expect.stringContaining('"Catch-all" already answers "any message"'),
      }),
    ]);
    expect(triggerConflicts([{ type: 'any_message' }], [], [elsewhere])).toEqual([]);
  });

  it('button payloads conflict like keywords; API triggers never do', () => {
    const buttons = {
      name: 'Menu',
      triggers: [{ type: 'button', payloads: ['MENU'] } as Trigger],
      channelIds: [],
    };
    const api = { name: 'Campaign', triggers: [{ type: 'api' } as Trigger], channelIds: [] };
    expect(
      triggerConflicts(
        [{ type: 'button', payloads: ['MENU', 'HELP'] }, { type: 'api' }],
        ['ch-1'],
        [buttons, api],
      ),
    ).toEqual([expect.objectContaining({ message: expect.stringContaining('button payload "MENU"') })]);
  });
});

import { FlowTokens } from './flow-token';

const tokens = FlowTokens.fromInternalKey('test-internal-key-one');
const claims = {
  workspaceId: 'ws-a',
  runId: '6f1c2e0b-5d4a-4f7e-9c3b-2a1d0e9f8a7b',
  formId: 'order_lookup',
  navigationId: '6f1c2e0b-5d4a-4f7e-9c3b-2a1d0e9f8a7b:4',
  expiresAt: Date.parse('2026-12-07T00:00:00Z'),
};
const now = Date.parse('2026-12-06T12:00:00Z');

describe('FlowTokens: the token of a WhatsApp Flow message, checked by any replica without a lookup', () => {
  it('reads back what it issued, until it expires', () => {
    const token = tokens.issue(claims);
    expect(token).toMatch(/^ft1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(tokens.read(token, now)).toEqual(claims);
    expect(tokens.read(token, claims.expiresAt)).toBe('expired');
  });

  it('refuses a token altered in any claim, or made with another key, as forged', () => {
    const token = tokens.issue(claims);
    const [, , tag] = token.split('.');
    const otherRun = tokens.issue({ ...claims, runId: 'another-run' }).split('.')[1];
    expect(tokens.read(`ft1.${otherRun}.${tag}`, now)).toBe('forged');
    const later = tokens.issue({ ...claims, expiresAt: claims.expiresAt + 86_400_000 }).split('.')[1];
    expect(tokens.read(`ft1.${later}.${tag}`, now)).toBe('forged');
    expect(FlowTokens.fromInternalKey('another-internal-key').read(token, now)).toBe('forged');
  });

  it('refuses what is not a token as malformed', () => {
    for (const bad of [
      undefined,
      42,
      '',
      'ft1',
      'ft2.a.b',
      'ft1..x',
      `${tokens.issue(claims)}.more`,
      'x'.repeat(2000),
    ])
      expect(tokens.read(bad, now)).toBe('malformed');
  });
});

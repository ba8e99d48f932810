import { classify } from './graph-client';

const metaError = (code: number, extra: Record<string, unknown> = {}) => ({
  error: { message: `(#${code}) x`, type: 'OAuthException', code, fbtrace_id: 'A', ...extra },
});

describe('classify: what a Cloud API answer means for the send', () => {
  it('takes the message id of a success', () => {
    expect(classify(200, { messages: [{ id: 'wamid.X' }] })).toEqual({
      kind: 'sent',
      waMessageId: 'wamid.X',
    });
  });

  it.each([
    [400, 130429],
    [400, 131056],
    [400, 4],
    [500, 131000],
    [503, 131016],
    [502, 1],
    [429, 1],
  ])('retries HTTP %s with code %s', (status, code) => {
    expect(classify(status, metaError(code))).toMatchObject({
      kind: 'retry',
      error: { code, httpStatus: status },
    });
  });

  it.each([131047, 131026, 131009, 100, 131051])('records %s as failed, not retried', (code) => {
    expect(classify(400, metaError(code))).toMatchObject({
      kind: 'failed',
      tokenInvalid: false,
      error: { code },
    });
  });

  it('marks the token invalid on 190', () => {
    expect(classify(401, metaError(190))).toMatchObject({ kind: 'failed', tokenInvalid: true });
  });

  it("keeps Meta's title and details", () => {
    expect(
      classify(
        400,
        metaError(131047, { error_user_title: 'Re-engagement', error_data: { details: 'over 24h' } }),
      ),
    ).toMatchObject({ error: { code: 131047, title: 'Re-engagement', details: 'over 24h' } });
  });

  it('treats a 2xx without a message id as failed (sending again could duplicate it)', () => {
    expect(classify(200, {})).toMatchObject({ kind: 'failed', error: { code: 0 } });
  });
});

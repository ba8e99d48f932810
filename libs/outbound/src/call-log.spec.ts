import { MASK, Masker } from './call-log';

describe('call-log masking', () => {
  const masker = new Masker(['s3cr3t/value+1', 'ab']).addNames({ headers: ['X-Partner'], query: ['key'] });

  it('masks secret values in every encoding they travel in, but not values too short to be secrets', () => {
    expect(masker.text('raw s3cr3t/value+1 url s3cr3t%2Fvalue%2B1 form s3cr3t%2Fvalue%2B1 ab')).toBe(
      `raw ${MASK} url ${MASK} form ${MASK} ab`,
    );
    expect(masker.text(JSON.stringify({ v: 'q"s3cr3t/value+1' }))).not.toContain('s3cr3t');
  });

  it('masks credential headers and query parameters by name', () => {
    expect(masker.headers({ 'X-Partner': 'anything', Authorization: 'Bearer x', accept: 'json' })).toEqual({
      'x-partner': MASK,
      authorization: MASK,
      accept: 'json',
    });
    expect(masker.url(new URL('https://api.example.com/a?key=k1&page=2&access_token=t'))).toBe(
      `https://api.example.com/a?key=${MASK}&page=2&access_token=${MASK}`,
    );
  });

  it('masks the whole body before cutting it to 10 KB, so a secret across the cut leaves nothing', () => {
    const body = `${'x'.repeat(10 * 1024 - 5)}s3cr3t/value+1 tail`;
    const logged = masker.body(body) ?? '';
    expect(logged).toHaveLength(10 * 1024);
    expect(logged).not.toContain('s3cr3');
    expect(masker.body(Buffer.alloc(0))).toBeNull();
  });

  it('masks secrets echoed inside response data, at any depth, leaving the rest as it was', () => {
    const masker = new Masker(['s3cr3t-token-value']);
    const data = { got: 'Bearer s3cr3t-token-value', list: [{ t: 's3cr3t-token-value' }, 7, null], ok: true };
    expect(masker.json(data)).toEqual({ got: `Bearer ${MASK}`, list: [{ t: MASK }, 7, null], ok: true });
    expect(masker.json('password=hunter2 is not ours')).toBe('password=hunter2 is not ours');
    expect(new Masker().json(data)).toBe(data);
  });
});

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
});

import { durabilityProblems } from './durability';

describe('durabilityProblems', () => {
  it('accepts noeviction with AOF, or with RDB save points', () => {
    expect(durabilityProblems({ maxmemoryPolicy: 'noeviction', aofEnabled: true, savePoints: '' })).toEqual(
      [],
    );
    expect(
      durabilityProblems({ maxmemoryPolicy: 'noeviction', aofEnabled: false, savePoints: '3600 1' }),
    ).toEqual([]);
    // CONFIG refused (managed Redis): the save points are unknown, so only eviction is judged.
    expect(
      durabilityProblems({ maxmemoryPolicy: 'noeviction', aofEnabled: false, savePoints: null }),
    ).toEqual([]);
  });

  it('names an evicting policy and says what to set', () => {
    const [problem] = durabilityProblems({
      maxmemoryPolicy: 'allkeys-lru',
      aofEnabled: true,
      savePoints: '',
    });
    expect(problem).toContain('maxmemory-policy allkeys-lru');
    expect(problem).toContain('Set maxmemory-policy noeviction');
  });

  it('names a Redis that keeps nothing on disk and says what to set', () => {
    const problems = durabilityProblems({
      maxmemoryPolicy: 'volatile-lru',
      aofEnabled: false,
      savePoints: '',
    });
    expect(problems).toHaveLength(2);
    expect(problems[1]).toContain('Set appendonly yes');
  });
});

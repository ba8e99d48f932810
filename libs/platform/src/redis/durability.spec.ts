import { durabilityProblems } from './durability';

describe('durabilityProblems', () => {
  it('accepts noeviction with AOF, and refuses RDB snapshots alone (a crash loses minutes of jobs)', () => {
    expect(durabilityProblems({ maxmemoryPolicy: 'noeviction', aofEnabled: true, savePoints: '' })).toEqual(
      [],
    );
    const [rdb] = durabilityProblems({
      maxmemoryPolicy: 'noeviction',
      aofEnabled: false,
      savePoints: '3600 1',
    });
    expect(rdb).toContain('Redis keeps only RDB snapshots (appendonly no, save 3600 1)');
    expect(rdb).toContain('Set appendonly yes');
    // CONFIG refused (managed Redis): INFO still tells whether the append-only file is on.
    expect(
      durabilityProblems({ maxmemoryPolicy: 'noeviction', aofEnabled: false, savePoints: null }),
    ).toHaveLength(1);
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

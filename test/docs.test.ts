import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const ROOT = join(__dirname, '..');
const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

// Issue 20 §4: the README is for a newcomer, the rest is in docs/, and nothing points outside the repository.
describe('[issue 20] the README and docs/', () => {
  it('the README stays short, with the two commands, the diagram and the latest benchmark table', () => {
    const readme = read('README.md');
    expect(readme.split('\n').length).toBeLessThanOrEqual(200);
    const commands = readme.slice(readme.indexOf('## Two commands'), readme.indexOf('## Try it'));
    expect([...commands.matchAll(/^npm (?:run )?[a-z:]+/gm)].map((m) => m[0])).toEqual([
      'npm start',
      'npm test',
    ]);
    expect(readme).toContain('┌─────────────┐');
    expect(readme).toMatch(/\| API latency \| workers \|.*of the bare pipeline/);
  });

  it('every relative link resolves to a file of the repository, and none leaves it', () => {
    for (const file of DOCS) {
      const text = read(file);
      expect({ file, outside: text.match(/\.\.\/shared|\.\.\/\.\.\//g) }).toEqual({ file, outside: null });
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^(https?:|mailto:)/.test(target)) {
          expect({ file, target, local: /^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(target) }).toEqual({
            file,
            target,
            local: true,
          });
          continue;
        }
        const path = resolve(dirname(join(ROOT, file)), target);
        expect({ file, target, inside: path.startsWith(ROOT), exists: existsSync(path) }).toEqual({
          file,
          target,
          inside: true,
          exists: true,
        });
      }
    }
  });
});

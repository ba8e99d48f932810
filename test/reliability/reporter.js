// The reliability report: one row per scenario of test/reliability/scenarios.json (RELIABILITY.md's table),
// with the tests tagged "[ID]" in their names, whether they passed, and what they observed (observe()).
// Active only when FB_RELIABILITY_DIR is set (npm test, npm run reliability). Results of several jest runs
// into the same directory add up: `npm test` runs the fast scenarios, then the slow ones, then prints.
const { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } = require('node:fs');
const { dirname, join, relative } = require('node:path');

const ROOT = join(__dirname, '..', '..');
const TAG = /\[([FLBD]\d+)\]/g;

class ReliabilityReporter {
  onRunComplete(_contexts, results) {
    const dir = process.env.FB_RELIABILITY_DIR;
    if (!dir) return;
    mkdirSync(join(dir, 'runs'), { recursive: true });
    const tests = [];
    for (const file of results.testResults) {
      for (const t of file.testResults) {
        const ids = [...t.fullName.matchAll(TAG)].map((m) => m[1]);
        if (ids.length > 0)
          tests.push({
            ids,
            title: t.title.replace(TAG, '').trim(),
            file: relative(ROOT, file.testFilePath),
            status: t.status,
            ms: t.duration ?? 0,
          });
      }
    }
    writeFileSync(join(dir, 'runs', `${Date.now()}-${process.pid}.json`), JSON.stringify(tests));
    if (process.env.FB_RELIABILITY_PRINT === '0') return;
    const markdown = render(dir);
    process.stdout.write(`\n${markdown}\n`);
    const target = process.env.FB_RELIABILITY_REPORT;
    if (target) {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, markdown);
      process.stdout.write(`Reliability report written to ${relative(process.cwd(), target)}\n`);
    }
  }
}

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

function cell(text) {
  return String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function render(dir) {
  const catalogue = readJson(join(__dirname, 'scenarios.json'));
  const runsDir = join(dir, 'runs');
  const tests = readdirSync(runsDir).flatMap((f) => readJson(join(runsDir, f)));
  const observations = new Map();
  const obsDir = join(dir, 'observations');
  if (existsSync(obsDir))
    for (const f of readdirSync(obsDir).sort()) {
      const o = readJson(join(obsDir, f));
      observations.set(o.id, [...(observations.get(o.id) ?? []), o.observed]);
    }
  const rows = [];
  const tally = { pass: 0, partial: 0, fail: 0, missing: 0 };
  for (const s of catalogue) {
    const mine = tests.filter((t) => t.ids.includes(s.id));
    const failed = mine.filter((t) => t.status === 'failed');
    const passed = mine.filter((t) => t.status === 'passed');
    const ran = passed.length + failed.length > 0;
    const verdict = !ran ? 'not run' : failed.length ? 'FAIL' : s.gap ? 'partial' : 'pass';
    tally[{ pass: 'pass', FAIL: 'fail', partial: 'partial', 'not run': 'missing' }[verdict]] += 1;
    const o = observations.get(s.id);
    const observed = o
      ? o.join(' — ')
      : passed.length
        ? `As expected; asserted by ${passed.length === 1 ? 'the test' : `${passed.length} tests, among them`} ${passed
            .slice(0, 3)
            .map((t) => `"${t.title}"`)
            .join('; ')}`
        : '—';
    const files = [...new Set(mine.map((t) => t.file))].map((f) => `\`${f}\``).join(', ');
    const shown = s.gap ? `${observed} **Not done:** ${s.gap}` : observed;
    rows.push(
      `| ${s.id} | ${cell(s.scenario)} | ${cell(s.expected)} | ${cell(shown)} | ${verdict} | ${files || '—'} |`,
    );
  }
  const when = new Date().toISOString().replace(/\..*/, 'Z');
  const scaleNote =
    process.env.RELIABILITY_SCALE && process.env.RELIABILITY_SCALE !== '1'
      ? `Slow scenarios ran at ${process.env.RELIABILITY_SCALE}× their durations (the CI form).`
      : 'Slow scenarios ran at their full durations.';
  return [
    '# Reliability report',
    '',
    `Generated ${when} by \`npm run reliability\` (test/reliability/reporter.js) on ${require('node:os').cpus().length} cores.`,
    `${scaleNote} Scenarios are those of RELIABILITY.md; a row passes when every test tagged with its id passed.`,
    '',
    `**${tally.pass} pass, ${tally.partial} partial, ${tally.fail} fail, ${tally.missing} not run** of ${catalogue.length}.`,
    '',
    '| # | Scenario | Expected | Observed | Result | Tests |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

module.exports = ReliabilityReporter;
module.exports.render = render;

// tap enforces 100% or nothing; this keeps a real threshold (default 90%) on every metric.
import { readFileSync } from 'node:fs';

// Branches have their own floor (--branches=N): which error and timing paths a run takes varies
// from run to run, and a clean-clone run measured 90.3 % of branches against 98.6 % of lines.
const args = process.argv.slice(2);
const branchArg = args.find((a) => a.startsWith('--branches='));
const positional = args.filter((a) => !a.startsWith('--'));
const threshold = Number(positional[0] ?? 90);
const file = positional[1] ?? '.tap/report/coverage-summary.json';
const floors = { lines: threshold, statements: threshold, functions: threshold, branches: branchArg ? Number(branchArg.slice('--branches='.length)) : threshold };
let total;
try {
  total = JSON.parse(readFileSync(file, 'utf8')).total;
} catch (err) {
  console.error(`coverage: cannot read ${file} (${err.message}); run the tests with --coverage-report=json-summary first`);
  process.exit(1);
}
const failed = ['lines', 'statements', 'functions', 'branches'].filter((m) => total[m].pct < floors[m]);
for (const m of ['lines', 'statements', 'functions', 'branches']) {
  console.log(`coverage ${m.padEnd(10)} ${String(total[m].pct).padStart(6)}% (threshold ${floors[m]}%)`);
}
if (failed.length > 0) {
  console.error(`coverage below its floor for: ${failed.map((m) => `${m} (${floors[m]}%)`).join(', ')}`);
  process.exit(1);
}

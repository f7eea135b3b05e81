// tap enforces 100% or nothing; this keeps a real threshold (default 90%) on every metric.
import { readFileSync } from 'node:fs';

const threshold = Number(process.argv[2] ?? 90);
const file = process.argv[3] ?? '.tap/report/coverage-summary.json';
let total;
try {
  total = JSON.parse(readFileSync(file, 'utf8')).total;
} catch (err) {
  console.error(`coverage: cannot read ${file} (${err.message}); run the tests with --coverage-report=json-summary first`);
  process.exit(1);
}
const failed = ['lines', 'statements', 'functions', 'branches'].filter((m) => total[m].pct < threshold);
for (const m of ['lines', 'statements', 'functions', 'branches']) {
  console.log(`coverage ${m.padEnd(10)} ${String(total[m].pct).padStart(6)}% (threshold ${threshold}%)`);
}
if (failed.length > 0) {
  console.error(`coverage below ${threshold}% for: ${failed.join(', ')}`);
  process.exit(1);
}

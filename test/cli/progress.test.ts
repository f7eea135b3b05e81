import t from 'tap';
import { ProgressBar, renderProgress, type ProgressState } from '../../src/cli/progress.js';

const running: ProgressState = { status: 'running', queuePosition: null, elapsedMs: 1500, expectedMs: 3000, done: 0, total: 1 };

t.test('renderProgress: the bar follows time, the label says how far', async (t) => {
  t.equal(renderProgress(running, 80), `[${'#'.repeat(20)}${'.'.repeat(20)}]   50%  1.5/3.0 s`);
  t.equal(renderProgress({ ...running, elapsedMs: 0 }, 80), `[${'.'.repeat(40)}]    0%  0.0/3.0 s`);
  t.match(renderProgress({ ...running, elapsedMs: 750, total: 3, done: 1 }, 80), /\]   33%  0\.8\/3\.0 s  repeat 2\/3$/, 'a finished repeat moves the bar ahead of the clock');
  t.match(renderProgress({ ...running, elapsedMs: 2900, total: 3, done: 3 }, 80), /repeat 3\/3$/, 'never past the last repeat');
});

t.test('renderProgress: below 100 % until the run is done, full when it is', async (t) => {
  t.match(renderProgress({ ...running, elapsedMs: 9000 }, 80), /^\[#+\]   99%  9\.0\/3\.0 s$/, 'start-up overhead does not show a finished run');
  t.match(renderProgress({ ...running, status: 'done', elapsedMs: 3300, done: 1 }, 80), /^\[#{40}\]  100%/);
  t.match(renderProgress({ ...running, expectedMs: 0 }, 80), /^\[\.+\]    0%/, 'no expected time: no division by zero');
});

t.test('renderProgress: fits the terminal', async (t) => {
  for (const columns of [200, 80, 40, 30, 12, 1]) {
    const line = renderProgress({ ...running, total: 20, done: 3 }, columns);
    t.ok(line.length <= Math.max(1, columns - 1), `${columns} columns: ${line.length} characters`);
  }
  t.match(renderProgress(running, 200), /^\[#{20}\.{20}\]/, 'the bar stops growing at 40 cells');
  t.equal(renderProgress(running, 34), `[${'#'.repeat(7)}${'.'.repeat(7)}]   50%  1.5/3.0 s`, 'shrinks to fit the label on a narrow terminal');
  t.equal(renderProgress(running, 25), `[${'#'.repeat(5)}${'.'.repeat(5)}]   50%  1.5/`, 'down to 10 cells, then the label is cut');
});

t.test('renderProgress: a queued run says where it waits', async (t) => {
  t.equal(renderProgress({ ...running, status: 'queued', queuePosition: 2 }, 80), 'queued (position 2), waiting for the running benchmark');
  t.equal(renderProgress({ ...running, status: 'queued', queuePosition: null }, 80), 'queued, waiting for the running benchmark');
});

t.test('ProgressBar draws in place on a terminal and clears itself', async (t) => {
  const written: string[] = [];
  const bar = new ProgressBar({ isTTY: true, columns: 80, write: (s) => written.push(s) });
  t.equal(bar.enabled, true);
  bar.clear();
  t.same(written, [], 'nothing to clear before the first draw');
  bar.update(running);
  bar.update({ ...running, elapsedMs: 3000 });
  t.equal(written.length, 2);
  t.ok(written.every((s) => s.startsWith('\r') && s.endsWith('\x1b[K')), 'carriage return, then erase the rest of the line');
  bar.clear();
  bar.clear();
  t.same(written.slice(2), ['\r\x1b[K'], 'cleared once');
});

t.test('ProgressBar: a terminal without a width gets 80 columns', async (t) => {
  const written: string[] = [];
  new ProgressBar({ isTTY: true, columns: 0, write: (s) => written.push(s) }).update(running);
  t.equal(written[0], `\r${renderProgress(running, 80)}\x1b[K`);
});

t.test('ProgressBar draws nothing when the stream is not a terminal', async (t) => {
  const written: string[] = [];
  const bar = new ProgressBar({ write: (s) => written.push(s) });
  t.equal(bar.enabled, false);
  bar.update(running);
  bar.clear();
  t.same(written, []);
});

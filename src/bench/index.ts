// The local executor's public surface: everything outside src/bench/ imports from here, so
// the files behind it can move without touching their users (test/architecture.test.ts checks).

export {
  isDatagram, isTcp, MAX_BACKGROUND_STREAMS, MAX_GSO_SEGMENTS, MAX_IN_FLIGHT, MAX_IN_FLIGHT_BYTES, MAX_MESSAGE_SIZE, patternApplies, resolveBenchConfig,
  SESSION_KEY_TIMEOUT_MS,
} from './config.js';
export { runBenchmark, type EngineLimits } from './engine.js';
export { BenchAbortedError, BenchConfigError, BenchTimeoutError, BenchWorkerError } from './errors.js';
export { LocalExecutor, type Executor, type IntervalListener, type RepeatOutcome, type RepeatPlan, type SocketReports } from './executor.js';
export { ALWAYS_REPORTED, BenchOptions, type SideOptionsInput } from './options.js';
export { BEHAVIOURS, behaviourOf, type BehaviourName, type PatternBehaviour } from './patterns.js';
export type { SideReport } from './protocol.js';
export { assembleResult, mergeInterval, ratio } from './results.js';
export { SideRun } from './side-run.js';
export { median, summarize } from './summary.js';
export { type BenchConfig, type IntervalSample, type Pattern, type ResolvedBenchConfig, type RunResult, type SideAffinity, type WindowSnapshots } from './types.js';
export { BACKGROUND_DIRECTIONS, PATTERNS, SEND_MODES } from './types.js';
export {
  BackgroundConfigSchema, SideAffinitySchema, BenchmarkSummarySchema, IntervalSampleSchema, PatternSchema, RepeatSchema, ResolvedBenchConfigSchema, SideOptionsSchema, SideReportSchema, SideTcpInfoSchema, TcpInfoSchema, TransportSchema,
  type BenchmarkSummary, type DatagramSummary, type RepeatView, type StreamSummary, type TransactionSummary,
} from './schema.js';
export { workerPool } from './worker-pool.js';
export { readTcpInfo } from './workers/context.js';

// The local executor's public surface: everything outside src/bench/ imports from here, so
// the files behind it can move without touching their users (test/architecture.test.ts checks).

export {
  isDatagram, isTcp, MAX_BACKGROUND_STREAMS, MAX_CONGESTION_NAME, MAX_GSO_SEGMENTS, MAX_PACING_BITS_PER_SECOND, MIN_PACING_BITS_PER_SECOND, MAX_IN_FLIGHT, MAX_IN_FLIGHT_BYTES, MAX_MESSAGE_SIZE, patternApplies, resolveBenchConfig,
  SESSION_KEY_TIMEOUT_MS,
} from './config.js';
export { runBenchmark, type EngineLimits } from './engine.js';
export { BenchAbortedError, BenchConfigError, BenchTimeoutError, BenchWorkerError } from './errors.js';
export { LocalExecutor, type Executor, type FarCapabilities, type IntervalListener, type RepeatOutcome, type RepeatPlan, type SocketReports } from './executor.js';
export { ALWAYS_REPORTED, BenchOptions, sendersOf, type SideOptionsInput, withRunOptions } from './options.js';
export { BEHAVIOURS, behaviourOf, type BehaviourName, type PatternBehaviour } from './patterns.js';
export type { SideReport } from './protocol.js';
export { assembleResult, mergeInterval, ratio, reverseSides } from './results.js';
export { backgroundFigures, backgroundStream } from './background.js';
export { combineDirections } from './bidirectional.js';
export { mergeStreams } from './streams.js';
export { SideRun } from './side-run.js';
export { median, summarize } from './summary.js';
export { type BenchConfig, type BenchHooks, type CongestionInput, type Direction, type IntervalSample, type Pattern, type ResolvedBenchConfig, type RunResult, type SideAffinity, type SideCongestion, type WindowSnapshots } from './types.js';
export { BACKGROUND_DIRECTIONS, DIRECTIONS, PATTERNS, SEND_MODES } from './types.js';
export {
  BackgroundConfigSchema, SideAffinitySchema, BenchmarkSummarySchema, DirectionSchema, IntervalSampleSchema, PatternSchema, RepeatSchema, ResolvedBenchConfigSchema, SideOptionsSchema, SideReportSchema, SenderQdiscSchema, SideTcpInfoSchema, TcpInfoSchema, TransportSchema,
  type BenchmarkSummary, type DatagramSummary, type PacingSummary, type RepeatView, type SenderQdisc, type StreamSummary, type TransactionSummary,
} from './schema.js';
export { workerPool } from './worker-pool.js';
export { readCongestion, readTcpInfo } from './workers/context.js';

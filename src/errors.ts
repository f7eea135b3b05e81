import createError, { type FastifyError } from '@fastify/error';

// Every error code the API can return. Messages say what to change. Details that a client may
// act on (the field at fault, suggested names) travel as properties and are added to the body
// by the error handler in app.ts.

export interface ErrorDetails {
  field?: string;
  suggestions?: string[];
  /** When to try again: the error handler sends it as Retry-After. */
  retryAfterSeconds?: number;
}

export type SockbenchError = FastifyError & ErrorDetails;

function withDetails(err: FastifyError, details: ErrorDetails): SockbenchError {
  return Object.assign(err, details);
}

const UnknownOption = createError<[string]>('SOCKBENCH_UNKNOWN_OPTION', '%s', 400);
const OptionNotFound = createError<[string]>('SOCKBENCH_OPTION_NOT_FOUND', '%s', 404);
const UnknownLevel = createError<[string]>('SOCKBENCH_UNKNOWN_LEVEL', '%s', 400);
const InvalidValue = createError<[string]>('SOCKBENCH_INVALID_VALUE', '%s', 400);
const RunNotFound = createError<[string]>('SOCKBENCH_RUN_NOT_FOUND', '%s', 404);
const SnapshotNotFound = createError<[string]>('SOCKBENCH_SNAPSHOT_NOT_FOUND', '%s', 404);
const RunNotDone = createError<[string]>('SOCKBENCH_RUN_NOT_DONE', '%s', 409);
const RunInProgress = createError<[string]>('SOCKBENCH_RUN_IN_PROGRESS', '%s', 409);
const TooManyStreams = createError<[string]>('SOCKBENCH_TOO_MANY_STREAMS', '%s', 429);
const QueueFull = createError<[string]>('SOCKBENCH_QUEUE_FULL', '%s', 429);
const Unauthorized = createError<[string]>('SOCKBENCH_UNAUTHORIZED', '%s', 401);
const PeerNotAllowed = createError<[string]>('SOCKBENCH_PEER_NOT_ALLOWED', '%s', 403);
const RateLimited = createError<[string]>('SOCKBENCH_RATE_LIMITED', '%s', 429);
const Overloaded = createError<[string]>('SOCKBENCH_OVERLOADED', '%s', 503);
const PeerBusy = createError<[string]>('SOCKBENCH_PEER_BUSY', '%s', 409);
const PeerRejected = createError<[string]>('SOCKBENCH_PEER_REJECTED', '%s', 422);
const PeerUnreachable = createError<[string]>('SOCKBENCH_PEER_UNREACHABLE', '%s', 502);
const PeerFailed = createError<[string]>('SOCKBENCH_PEER_FAILED', '%s', 502);
const PeerLost = createError<[string]>('SOCKBENCH_PEER_LOST', '%s', 502);
const PeerNoPort = createError<[string]>('SOCKBENCH_PEER_NO_PORT', '%s', 503);
const PeerSessionEnded = createError<[string]>('SOCKBENCH_PEER_SESSION_ENDED', '%s', 408);
const CongestionUnavailable = createError<[string]>('SOCKBENCH_CONGESTION_UNAVAILABLE', '%s', 400);
const InvalidRule = createError<[string]>('SOCKBENCH_INVALID_RULE', '%s', 400);
const UnknownProfile = createError<[string]>('SOCKBENCH_UNKNOWN_PROFILE', '%s', 400);
const ProfileNotFound = createError<[string]>('SOCKBENCH_PROFILE_NOT_FOUND', '%s', 404);
const PairSetupFailed = createError<[string, { cause?: Error }]>('SOCKBENCH_PAIR_SETUP_FAILED', '%s', 422);

export const errors = {
  unknownOption(message: string, field: string, suggestions: string[]): SockbenchError {
    return withDetails(new UnknownOption(message), { field, suggestions });
  },
  optionNotFound(message: string, suggestions: string[]): SockbenchError {
    return withDetails(new OptionNotFound(message), { suggestions });
  },
  unknownLevel(message: string, field: string, suggestions: string[]): SockbenchError {
    return withDetails(new UnknownLevel(message), { field, suggestions });
  },
  invalidValue(message: string, field: string): SockbenchError {
    return withDetails(new InvalidValue(message), { field });
  },
  /** A congestion control algorithm that a host of the run does not have; `available` are the ones it has. */
  congestionUnavailable(message: string, field: string, available: string[]): SockbenchError {
    return withDetails(new CongestionUnavailable(message), { field, suggestions: available });
  },
  /** A baseline rule that cannot be checked: unknown operator, wrong operand, empty range. */
  invalidRule(message: string, field: string): SockbenchError {
    return withDetails(new InvalidRule(message), { field });
  },
  /** A check that names a profile this service does not ship. */
  unknownProfile(message: string, field: string, suggestions: string[]): SockbenchError {
    return withDetails(new UnknownProfile(message), { field, suggestions });
  },
  profileNotFound(message: string, suggestions: string[]): SockbenchError {
    return withDetails(new ProfileNotFound(message), { suggestions });
  },
  runNotFound(message: string): SockbenchError {
    return new RunNotFound(message);
  },
  snapshotNotFound(message: string, field?: string): SockbenchError {
    return withDetails(new SnapshotNotFound(message), { field });
  },
  runNotDone(message: string, field: string): SockbenchError {
    return withDetails(new RunNotDone(message), { field });
  },
  /** DELETE of a queued or running run: deleting never cancels, so the client must cancel first. */
  runInProgress(message: string): SockbenchError {
    return new RunInProgress(message);
  },
  tooManyStreams(message: string): SockbenchError {
    return new TooManyStreams(message);
  },
  queueFull(message: string, retryAfterSeconds: number): SockbenchError {
    return withDetails(new QueueFull(message), { retryAfterSeconds });
  },
  /** `wrong`: a token was sent but it is not SOCKBENCH_TOKEN (rather than no token at all). */
  unauthorized(wrong: boolean): SockbenchError {
    const fix = 'send "Authorization: Bearer <token>" with the token the service was started with (its SOCKBENCH_TOKEN); the sockbench command sends --token or $SOCKBENCH_TOKEN.';
    return new Unauthorized(wrong ? `Wrong bearer token: ${fix}` : `This service needs a token: ${fix}`);
  },
  peerNotAllowed(peer: string): SockbenchError {
    return new PeerNotAllowed(`${peer} is not an allowed peer: add its base URL to SOCKBENCH_PEERS (comma-separated, e.g. http://10.0.0.7:8080) and restart the service.`);
  },
  rateLimited(message: string): SockbenchError {
    return new RateLimited(message);
  },
  overloaded(message: string, retryAfterSeconds: number): SockbenchError {
    return withDetails(new Overloaded(message), { retryAfterSeconds });
  },
  /** This host (or the peer asked) is running something else. */
  peerBusy(retryAfterSeconds: number, message?: string): SockbenchError {
    return withDetails(new PeerBusy(message ?? `This host is busy with a run; retry in about ${retryAfterSeconds} s (Retry-After).`), { retryAfterSeconds });
  },
  /** The peer refused the session's settings (its own 400). */
  peerRejected(message: string): SockbenchError {
    return new PeerRejected(message);
  },
  peerUnreachable(message: string): SockbenchError {
    return new PeerUnreachable(message);
  },
  peerFailed(message: string): SockbenchError {
    return new PeerFailed(message);
  },
  /** The peer went away in the middle of a run (killed, network gone). */
  peerLost(message: string): SockbenchError {
    return new PeerLost(message);
  },
  peerNoPort(message: string): SockbenchError {
    return new PeerNoPort(message);
  },
  /** A session ended without its data connection (timed out, or the client gave up). */
  peerSessionEnded(message: string): SockbenchError {
    return new PeerSessionEnded(message);
  },
  /** `cause` is the SysError of the failing step, so callers can report its errno name. */
  pairSetupFailed(message: string, cause?: Error): SockbenchError {
    return new PairSetupFailed(message, { cause });
  },
};

/** Codes for errors raised by Fastify itself, mapped in app.ts so every code starts SOCKBENCH_. */
export const FRAMEWORK_CODES: Record<string, string> = {
  FST_ERR_VALIDATION: 'SOCKBENCH_VALIDATION',
  FST_ERR_CTP_BODY_TOO_LARGE: 'SOCKBENCH_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'SOCKBENCH_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'SOCKBENCH_INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'SOCKBENCH_INVALID_JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'SOCKBENCH_INVALID_REQUEST',
};

export const ROUTE_NOT_FOUND = 'SOCKBENCH_ROUTE_NOT_FOUND';
export const INTERNAL = 'SOCKBENCH_INTERNAL';
export const INVALID_REQUEST = 'SOCKBENCH_INVALID_REQUEST';

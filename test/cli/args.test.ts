import t from 'tap';
import { numberFlag, optionAssignments, optionValue, parse, wantsHelp } from '../../src/cli/args.js';
import { benchBody } from '../../src/cli/commands/bench.js';
import { CliError, EXIT } from '../../src/cli/exit.js';
import { apiError, chosenUrl, connect } from '../../src/cli/http.js';

const usage = (message: RegExp) => ({ constructor: CliError, exitCode: EXIT.usage, message, hint: /Run 'sockbench \w+ --help' for usage\./ });

t.test('option values as typed on a command line', async (t) => {
  t.equal(optionValue('65536'), 65536);
  t.equal(optionValue('-1'), -1);
  t.equal(optionValue('true'), true);
  t.equal(optionValue('false'), false);
  t.same(optionValue('{"onoff":1,"linger":5}'), { onoff: 1, linger: 5 });
  t.equal(optionValue('cubic'), 'cubic');
  t.equal(optionValue('1.5'), '1.5', 'not an integer: the API says what the option accepts');
  t.equal(optionValue(''), '');
});

t.test('NAME=VALUE flags become the API options object', async (t) => {
  t.same(optionAssignments('bench', 'opt', ['SO_SNDBUF=65536', 'TCP_NODELAY=true', 'TCP_CONGESTION=cubic', 'SO_BINDTODEVICE=a=b']),
    { SO_SNDBUF: 65536, TCP_NODELAY: true, TCP_CONGESTION: 'cubic', SO_BINDTODEVICE: 'a=b' });
  t.throws(() => optionAssignments('bench', 'opt', ['SO_SNDBUF']), usage(/--opt expects NAME=VALUE \(e\.g\. SO_SNDBUF=65536\), got "SO_SNDBUF"/));
  t.throws(() => optionAssignments('bench', 'server-opt', ['=1']), usage(/--server-opt expects NAME=VALUE/));
  t.throws(() => optionAssignments('bench', 'opt', ['SO_LINGER={onoff:1}']), usage(/--opt SO_LINGER: the value is not valid JSON/));
});

t.test('benchBody: flags to the POST /v1/benchmarks body, values left to the API to check', async (t) => {
  t.same(benchBody({
    transport: 'tcp4', pattern: 'rr', 'duration-ms': '200', 'warmup-ms': '0', repeats: '3', streams: '2', 'message-size': '64',
    'response-size': '128', 'request-writes': '2', 'rate-bits-per-second': '5e8', 'interval-ms': '50', 'client-cpu': '0', 'server-cpu': '1',
    opt: ['SO_SNDBUF=65536'], 'client-opt': ['TCP_NODELAY=true'], 'server-opt': ['SO_RCVBUF=4096'], json: true, url: 'http://x',
  }), {
    transport: 'tcp4', pattern: 'rr', durationMs: 200, warmupMs: 0, repeats: 3, streams: 2, messageSize: 64, responseSize: 128,
    requestWrites: 2, rateBitsPerSecond: 5e8, intervalMs: 50, affinity: { client: 0, server: 1 },
    options: { both: { SO_SNDBUF: 65536 }, client: { TCP_NODELAY: true }, server: { SO_RCVBUF: 4096 } },
  });
  t.same(benchBody({ transport: 'udp4', pattern: 'stream', 'send-mode': 'copy', gso: true, gro: true }), { transport: 'udp4', pattern: 'stream', sendMode: 'copy', gso: true, gro: true });
  t.same(benchBody({ transport: 'tcp4', pattern: 'stream', direction: 'reverse', congestion: 'bbr', 'pacing-rate-bits-per-second': '1000000000' }),
    { transport: 'tcp4', pattern: 'stream', direction: 'reverse', congestion: 'bbr', pacingRateBitsPerSecond: 1e9 });
  t.same(benchBody({ transport: 'tcp4', pattern: 'stream', 'server-congestion': 'cubic' }), { transport: 'tcp4', pattern: 'stream', congestion: { server: 'cubic' } });
  t.same(benchBody({ transport: 'tcp4', pattern: 'rr', 'in-flight': '8', 'background-streams': '2', 'background-message-size': '65536' }),
    { transport: 'tcp4', pattern: 'rr', inFlight: 8, background: { streams: 2, messageSize: 65536 } });
  t.throws(() => benchBody({ 'in-flight': 'many' }), usage(/--in-flight expects a number/));
  t.same(benchBody({ transport: 'tcp4', pattern: 'stream', 'server-cpu': '3' }), { transport: 'tcp4', pattern: 'stream', affinity: { server: 3 } }, 'one side pinned');
  t.throws(() => benchBody({ 'client-cpu': 'first' }), usage(/--client-cpu expects a number, got "first"/));
  t.same(benchBody({ transport: 'tcp4', pattern: 'stream', peer: 'http://10.0.0.7:8080' }), { transport: 'tcp4', pattern: 'stream', peer: 'http://10.0.0.7:8080' });
  t.same(benchBody({ transport: 'quic', 'duration-ms': '-5', opt: [] }), { transport: 'quic', durationMs: -5 }, 'the API rejects these, naming the field');
  t.throws(() => benchBody({ 'duration-ms': 'soon' }), usage(/--duration-ms expects a number, got "soon"/));
  t.throws(() => numberFlag('bench', 'repeats', ' '), usage(/--repeats expects a number/));
});

t.test('parse: strict flags and an exact number of arguments', async (t) => {
  const parsed = parse('diff', ['a.json', '--json', 'b.json'], { json: { type: 'boolean' } }, ['A', 'B']);
  t.same(parsed.positionals, ['a.json', 'b.json']);
  t.equal(parsed.values.json, true);
  t.throws(() => parse('diff', ['a.json'], {}, ['A', 'B']), usage(/^sockbench diff: expected 2 arguments \(A B\), got 1\.$/));
  t.throws(() => parse('defaults', ['x'], {}), usage(/sockbench defaults: Unexpected argument 'x'/));
  t.throws(() => parse('bench', ['--bogus'], {}), usage(/sockbench bench: Unknown option '--bogus'/));
  t.throws(() => parse('bench', ['--url'], { url: { type: 'string' } }), usage(/Option '--url <value>' argument missing/));
  t.throws(() => parse('check', [], {}, ['FILE']), usage(/expected 1 argument \(FILE\), got 0/));
});

t.test('wantsHelp: -h or --help before a -- terminator', async (t) => {
  t.ok(wantsHelp(['--transport', 'tcp4', '--help']));
  t.ok(wantsHelp(['-h']));
  t.notOk(wantsHelp(['--', '--help']));
  t.notOk(wantsHelp(['--helpful']));
});

t.test('the URL: --url, else $SOCKBENCH_URL; checked and without a trailing slash', async (t) => {
  t.equal(chosenUrl('defaults', { url: 'http://h:1/' }, { SOCKBENCH_URL: 'http://other:2' }), 'http://h:1');
  t.equal(chosenUrl('defaults', {}, { SOCKBENCH_URL: 'https://h:1' }), 'https://h:1');
  t.equal(chosenUrl('defaults', {}, { SOCKBENCH_URL: '' }), undefined, 'an empty variable is unset');
  t.equal(chosenUrl('defaults', {}, {}), undefined);
  t.throws(() => chosenUrl('defaults', { url: 'localhost 8080' }, {}), usage(/--url: "localhost 8080" is not a URL/));
  t.throws(() => chosenUrl('defaults', { url: 'ftp://h' }, {}), usage(/--url: "ftp:\/\/h" must start with http:\/\/ or https:\/\//));
  await t.rejects(connect('defaults', { 'timeout-ms': '0' }), usage(/--timeout-ms expects a positive integer, got "0"/));
  await t.rejects(connect('defaults', { 'timeout-ms': '1.5' }), usage(/--timeout-ms/));
});

t.test('API errors: "CODE: message", exit 2 when the request must change, 3 when the service cannot answer', async (t) => {
  const body = (status: number, code = 'SOCKBENCH_X') => ({ status, contentType: 'application/json', body: JSON.stringify({ statusCode: status, code, error: 'E', message: 'what to change' }) });
  t.match(apiError(body(400)), { message: 'SOCKBENCH_X: what to change', exitCode: EXIT.usage });
  t.match(apiError(body(404)), { exitCode: EXIT.usage });
  t.match(apiError(body(429, 'SOCKBENCH_QUEUE_FULL')), { message: /^SOCKBENCH_QUEUE_FULL: /, exitCode: EXIT.unavailable }, 'busy: try later');
  t.match(apiError(body(408)), { exitCode: EXIT.unavailable });
  t.match(apiError(body(500, 'SOCKBENCH_INTERNAL')), { exitCode: EXIT.unavailable });
  t.match(apiError({ status: 502, contentType: 'text/html', body: '<html>Bad Gateway</html>\n' }), { message: 'HTTP 502: <html>Bad Gateway</html>', exitCode: EXIT.unavailable });
  t.match(apiError({ status: 401, contentType: 'application/json', body: '{"message":"no code"}' }), { message: 'HTTP 401: {"message":"no code"}', exitCode: EXIT.usage });
  t.match(apiError({ status: 503, contentType: '', body: '' }), { message: 'HTTP 503: (empty body)' });
});

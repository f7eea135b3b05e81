import t from 'tap';
import { loadConfig } from '../../src/config.js';
import { errors } from '../../src/errors.js';
import { normalizePeer, parsePeers, peerAllowed } from '../../src/security/peers.js';

t.test('a peer base URL has one spelling: lower-case host, explicit port, no trailing slash', async (t) => {
  t.equal(normalizePeer('HTTP://Bench-7.Example.COM'), 'http://bench-7.example.com:80');
  t.equal(normalizePeer('https://10.0.0.7/'), 'https://10.0.0.7:443');
  t.equal(normalizePeer('http://10.0.0.7:8080/'), 'http://10.0.0.7:8080');
  t.equal(normalizePeer('http://[::1]:8080'), 'http://[::1]:8080');
  t.equal(normalizePeer('http://10.0.0.7:080'), 'http://10.0.0.7:80', 'a default port written out is still the default');
});

t.test('anything but a bare http(s) base URL is refused, saying why', async (t) => {
  t.throws(() => normalizePeer('10.0.0.7:8080'), /"10\.0\.0\.7:8080" is not a URL/);
  t.throws(() => normalizePeer('bench-7:8080'), /"bench-7:8080" must start with http:\/\/ or https:\/\//, 'parsed as the scheme "bench-7:"');
  t.throws(() => normalizePeer('ftp://10.0.0.7'), /must start with http:\/\/ or https:\/\//);
  t.throws(() => normalizePeer('http://user:secret@10.0.0.7'), /must not carry credentials/);
  t.throws(() => normalizePeer('http://user@10.0.0.7'), /must not carry credentials/);
  t.throws(() => normalizePeer('http://10.0.0.7/v1'), /must be a base URL, without path, query or fragment/);
  t.throws(() => normalizePeer('http://10.0.0.7/?x=1'), /must be a base URL/);
  t.throws(() => normalizePeer('http://10.0.0.7/#top'), /must be a base URL/);
});

t.test('SOCKBENCH_PEERS: comma-separated, blanks and duplicates dropped; a bad entry is one line naming it', async (t) => {
  t.same(parsePeers(''), []);
  t.same(parsePeers(' http://a:8080/ , ,HTTP://A:8080,https://b '), ['http://a:8080', 'https://b:443']);
  t.throws(() => parsePeers('http://a:8080,b:8080'), {
    message: 'SOCKBENCH_PEERS: "b:8080" must start with http:// or https://; list base URLs such as http://10.0.0.7:8080, separated by commas',
  });
});

t.test('the configuration refuses a bad SOCKBENCH_PEERS when it is loaded', async (t) => {
  t.equal(loadConfig({ SOCKBENCH_PEERS: 'http://a:8080' }).SOCKBENCH_PEERS, 'http://a:8080');
  t.equal(loadConfig({}).SOCKBENCH_PEERS, '', 'no peers by default');
  t.throws(() => loadConfig({ SOCKBENCH_PEERS: 'http://a:8080/v1' }), /^SOCKBENCH_PEERS: "http:\/\/a:8080\/v1" must be a base URL/);
});

t.test('peerAllowed: the normalized URL of a listed peer, null for anything else', async (t) => {
  const peers = parsePeers('http://10.0.0.7:8080, https://bench-8.example.com');
  t.equal(peerAllowed(peers, 'http://10.0.0.7:8080/'), 'http://10.0.0.7:8080');
  t.equal(peerAllowed(peers, 'HTTPS://BENCH-8.example.com:443'), 'https://bench-8.example.com:443');
  t.equal(peerAllowed(peers, 'http://10.0.0.7:8081'), null, 'another port is another peer');
  t.equal(peerAllowed(peers, 'https://10.0.0.7:8080'), null, 'another scheme is another peer');
  t.equal(peerAllowed(peers, 'http://10.0.0.7:8080/v1/health'), null, 'only base URLs');
  t.equal(peerAllowed(peers, 'not a url'), null);
  t.equal(peerAllowed(parsePeers(''), 'http://10.0.0.7:8080'), null, 'nobody by default');
});

t.test('a peer outside the list: 403 SOCKBENCH_PEER_NOT_ALLOWED, naming the setting', async (t) => {
  const err = errors.peerNotAllowed('http://10.0.0.9:8080');
  t.match(err, { statusCode: 403, code: 'SOCKBENCH_PEER_NOT_ALLOWED', message: /^http:\/\/10\.0\.0\.9:8080 is not an allowed peer: add its base URL to SOCKBENCH_PEERS/ });
});

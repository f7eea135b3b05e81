const DEFAULT_PORT: Record<string, string> = { 'http:': '80', 'https:': '443' };

/**
 * "http://10.0.0.7:8080" from any spelling of a peer's base URL (case, trailing slash, default
 * port left out), so that two spellings of one peer compare equal; throws why it is not one.
 */
export function normalizePeer(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`"${raw}" is not a URL`);
  }
  if (!(url.protocol in DEFAULT_PORT)) throw new Error(`"${raw}" must start with http:// or https://`);
  // Credentials would be sent to the peer and logged with the URL; a path or query would be dropped silently.
  if (url.username || url.password) throw new Error(`"${raw}" must not carry credentials`);
  if (url.pathname !== '/' || url.search || url.hash) throw new Error(`"${raw}" must be a base URL, without path, query or fragment`);
  return `${url.protocol}//${url.hostname}:${url.port || DEFAULT_PORT[url.protocol]}`;
}

/** The normalized peers of SOCKBENCH_PEERS (comma-separated, blanks ignored); throws one line naming the bad entry. */
export function parsePeers(list: string): string[] {
  const peers = new Set<string>();
  for (const entry of list.split(',').map((e) => e.trim()).filter(Boolean)) {
    try {
      peers.add(normalizePeer(entry));
    } catch (err) {
      throw new Error(`SOCKBENCH_PEERS: ${(err as Error).message}; list base URLs such as http://10.0.0.7:8080, separated by commas`);
    }
  }
  return [...peers];
}

/** The normalized base URL when `url` is one of `peers` (parsePeers' list), null when it is not (or not a base URL at all). */
export function peerAllowed(peers: readonly string[], url: string): string | null {
  let peer: string;
  try {
    peer = normalizePeer(url);
  } catch {
    return null;
  }
  return peers.includes(peer) ? peer : null;
}

import { request as httpRequest, type IncomingMessage } from 'node:http';
import { EventEmitter } from 'node:events';

export interface SseEvent { event: string; data: any; at: number }

/** A GET of an event stream over a real socket, parsed frame by frame as it arrives. */
export class EventStream extends EventEmitter {
  readonly events: SseEvent[] = [];
  /** performance.now() when the server ended the response, or 'aborted'. */
  readonly ended: Promise<number | 'aborted'>;
  #buffer = '';

  private constructor(readonly res: IncomingMessage, readonly destroy: () => void) {
    super();
    res.setEncoding('utf8');
    this.ended = new Promise((resolve) => {
      res.on('end', () => resolve(performance.now()));
      res.on('close', () => resolve('aborted'));
    });
    res.on('data', (chunk: string) => {
      this.#buffer += chunk;
      let cut: number;
      while ((cut = this.#buffer.indexOf('\n\n')) !== -1) {
        const block = this.#buffer.slice(0, cut);
        this.#buffer = this.#buffer.slice(cut + 2);
        const lines = block.split('\n').filter((l) => !l.startsWith(':'));
        if (lines.length === 0) continue;
        const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
        const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
        const e = { event, data: JSON.parse(data), at: performance.now() };
        this.events.push(e);
        this.emit('sse', e);
      }
    });
  }

  /** Opens the stream; a refused one (not 200) comes back as its status and JSON body. */
  static open(url: string, headers: Record<string, string> = {}): Promise<EventStream | { status: number; body: any }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(url, { agent: false, headers: { accept: 'text/event-stream', ...headers } }, (res) => {
        if (res.statusCode !== 200) {
          let body = '';
          res.setEncoding('utf8').on('data', (c: string) => { body += c; }).on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(body) }));
          return;
        }
        resolve(new EventStream(res, () => req.destroy()));
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** The first event (already received or still to come) that `match` accepts. */
  async next(match: (e: SseEvent) => boolean, timeoutMs = 5000): Promise<SseEvent> {
    const seen = this.events.find(match);
    if (seen) return seen;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching event in ${timeoutMs} ms; got ${this.events.map((e) => e.event).join(',')}`)), timeoutMs);
      const listener = (e: SseEvent) => {
        if (!match(e)) return;
        clearTimeout(timer);
        this.off('sse', listener);
        resolve(e);
      };
      this.on('sse', listener);
    });
  }
}

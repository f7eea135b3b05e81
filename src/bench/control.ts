import type { Role } from '../sockets/pair.js';

// The run's shared state: one SharedArrayBuffer seen by the main thread and both workers. The
// client (the side that drives the pattern) moves the phase; the server follows it without
// reading a clock, so both sides agree on where the measured window starts and ends.

export const PHASE = { INIT: 0, WARMUP: 1, MEASURING: 2, DONE: 3 } as const;
/** Set by the main thread: END finishes with the figures gathered so far, ABORT discards them. */
export const STOP = { NONE: 0, END: 1, ABORT: 2 } as const;

const SLOT = {
  phase: 0,
  stop: 1,
  interval: 2,
  boundarySet: 3,
  boundaryLo: 4,
  boundaryHi: 5,
  clientFd: 6,
  serverFd: 7,
  clientReleased: 8,
  serverReleased: 9,
} as const;
const SLOTS = 10;
const TWO_32 = 2 ** 32;

export class Control {
  readonly buffer: SharedArrayBuffer;
  readonly i32: Int32Array;

  /** Attaches to a buffer made by `Control.create()` (in a worker: the one from workerData). */
  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.i32 = new Int32Array(buffer);
  }

  static create(): Control {
    const control = new Control(new SharedArrayBuffer(SLOTS * 4));
    Atomics.store(control.i32, SLOT.clientFd, -1);
    Atomics.store(control.i32, SLOT.serverFd, -1);
    Atomics.store(control.i32, SLOT.clientReleased, 1);
    Atomics.store(control.i32, SLOT.serverReleased, 1);
    return control;
  }

  get phase(): number { return Atomics.load(this.i32, SLOT.phase); }
  get stop(): number { return Atomics.load(this.i32, SLOT.stop); }
  get interval(): number { return Atomics.load(this.i32, SLOT.interval); }

  setPhase(phase: number): void {
    Atomics.store(this.i32, SLOT.phase, phase);
    Atomics.notify(this.i32, SLOT.phase);
  }

  /** Only ever raises the stop level (ABORT wins over END) and wakes any waiting side. */
  requestStop(level: number): void {
    let current = this.stop;
    while (current < level) {
      const seen = Atomics.compareExchange(this.i32, SLOT.stop, current, level);
      if (seen === current) break;
      current = seen;
    }
    Atomics.notify(this.i32, SLOT.stop);
    Atomics.notify(this.i32, SLOT.phase);
  }

  /** Blocks the calling worker until the main thread says go (or stop). */
  waitForGo(): void {
    while (this.phase === PHASE.INIT && this.stop === STOP.NONE) Atomics.wait(this.i32, SLOT.phase, PHASE.INIT, 100);
  }

  /** Sleeps up to `ms`, waking early when a stop is requested. */
  sleep(ms: number): void {
    if (ms > 0) Atomics.wait(this.i32, SLOT.stop, STOP.NONE, ms);
  }

  nextInterval(): void { Atomics.add(this.i32, SLOT.interval, 1); }

  /** The first sequence number sent inside the measured window (datagram streams). */
  publishBoundary(seq: number): void {
    Atomics.store(this.i32, SLOT.boundaryLo, seq % TWO_32 | 0);
    Atomics.store(this.i32, SLOT.boundaryHi, Math.floor(seq / TWO_32));
    Atomics.store(this.i32, SLOT.boundarySet, 1);
  }

  /** The published boundary, or Infinity while the sender is still warming up. */
  boundary(): number {
    if (Atomics.load(this.i32, SLOT.boundarySet) === 0) return Infinity;
    return Atomics.load(this.i32, SLOT.boundaryHi) * TWO_32 + (Atomics.load(this.i32, SLOT.boundaryLo) >>> 0);
  }

  // A worker that creates sockets itself (crr) publishes the one it is using, so that the main
  // thread can shut it down to unblock the worker. Whoever takes the fd out of its slot decides
  // when the worker may close it: this way the main thread never shuts down a number that the
  // worker has closed and the kernel has already handed out again.

  publishFd(role: Role, fd: number): void {
    Atomics.store(this.i32, role === 'client' ? SLOT.clientFd : SLOT.serverFd, fd);
  }

  /** Worker side: takes `fd` back before closing it; waits if the main thread is shutting it down. */
  retractFd(role: Role, fd: number): void {
    const slot = role === 'client' ? SLOT.clientFd : SLOT.serverFd;
    if (Atomics.compareExchange(this.i32, slot, fd, -1) === fd) return;
    const released = role === 'client' ? SLOT.clientReleased : SLOT.serverReleased;
    while (Atomics.load(this.i32, released) === 0) Atomics.wait(this.i32, released, 0, 100);
  }

  /** Main side: shuts down whatever socket the worker has published, then lets it close it. */
  shutdownPublished(role: Role, shutdownFd: (fd: number) => void): void {
    const released = role === 'client' ? SLOT.clientReleased : SLOT.serverReleased;
    // Cleared before taking the fd, so a worker that finds its slot emptied always waits for us.
    Atomics.store(this.i32, released, 0);
    const fd = Atomics.exchange(this.i32, role === 'client' ? SLOT.clientFd : SLOT.serverFd, -1);
    try {
      if (fd >= 0) shutdownFd(fd);
    } finally {
      Atomics.store(this.i32, released, 1);
      Atomics.notify(this.i32, released);
    }
  }
}

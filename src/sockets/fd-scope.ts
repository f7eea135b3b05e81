import { close } from '../../native-bindings/index.js';

/**
 * Owns descriptors opened for one piece of work and closes every one of them, whatever
 * happened in between. Use with try/finally so that errors cannot leak sockets.
 */
export class FdScope {
  readonly #fds = new Set<number>();

  add(fd: number): number {
    this.#fds.add(fd);
    return fd;
  }

  has(fd: number): boolean {
    return this.#fds.has(fd);
  }

  close(fd: number): void {
    if (!this.#fds.delete(fd)) return;
    close(fd);
  }

  closeAll(): void {
    for (const fd of this.#fds) {
      try {
        close(fd);
      } catch {
        // Already gone (EBADF) or interrupted: nothing more can be done for this descriptor.
      }
    }
    this.#fds.clear();
  }

  get size(): number {
    return this.#fds.size;
  }
}

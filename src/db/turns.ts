/**
 * First come, first served access to one resource, with waiters that may give up. A release hands
 * the turn straight to the next waiter, so a newcomer can never slip in ahead of the queue.
 */
export class Turns {
  #taken = false;
  #waiting: Array<(release: () => void) => void> = [];

  /** Resolves to the function that ends the turn, or to null when `timeoutMs` passed first. */
  acquire(timeoutMs = Number.POSITIVE_INFINITY): Promise<(() => void) | null> {
    if (!this.#taken) {
      this.#taken = true;
      return Promise.resolve(this.#release());
    }
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const grant = (release: () => void) => {
        clearTimeout(timer);
        resolve(release);
      };
      if (Number.isFinite(timeoutMs)) {
        timer = setTimeout(() => {
          const at = this.#waiting.indexOf(grant);
          if (at >= 0) this.#waiting.splice(at, 1);
          resolve(null);
        }, timeoutMs);
      }
      this.#waiting.push(grant);
    });
  }

  /** Runs `work` in a turn of its own, waiting as long as it takes. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    const release = (await this.acquire()) as () => void;
    try {
      return await work();
    } finally {
      release();
    }
  }

  #release(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.#waiting.shift();
      if (next) next(this.#release());
      else this.#taken = false;
    };
  }
}

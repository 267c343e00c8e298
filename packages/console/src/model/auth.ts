/**
 * The bearer token of this tab. Kept in sessionStorage: it survives reloads
 * of the tab but not the tab itself, and no other tab sees it. When the
 * server answers 401 the console asks for a token (`needed`), and every
 * view that failed retries once one is given (`epoch` changes).
 */

import { Observable } from "./observable.js";

const KEY = "durastream-console.token";

/** What the token prompt shows. */
export interface AuthState {
  /** The server refused a request: a token is needed (or the one given was refused). */
  readonly needed: boolean;
  /** A token is set for this tab. */
  readonly hasToken: boolean;
  /** Bumped whenever the token changes, so views reload with it. */
  readonly epoch: number;
}

function storage(): Storage | undefined {
  try {
    return globalThis.sessionStorage;
  } catch {
    return undefined;
  }
}

/** The tab's token and the prompt state. */
export class Auth {
  #token: string | null = storage()?.getItem(KEY) ?? null;
  readonly #waiters = new Set<() => void>();
  readonly state = new Observable<AuthState>({
    needed: false,
    hasToken: this.#token !== null,
    epoch: 0,
  });

  get token(): string | null {
    return this.#token;
  }

  /** The server answered 401: ask for a token. */
  refused(): void {
    if (!this.state.value.needed) this.state.set({ ...this.state.value, needed: true });
  }

  /** Stores `token` for this tab and wakes whatever waits for one. */
  setToken(token: string): void {
    this.#token = token;
    storage()?.setItem(KEY, token);
    this.state.set({ needed: false, hasToken: true, epoch: this.state.value.epoch + 1 });
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
  }

  /** Forgets the token of this tab. */
  clear(): void {
    this.#token = null;
    storage()?.removeItem(KEY);
    this.state.set({ needed: false, hasToken: false, epoch: this.state.value.epoch + 1 });
  }

  /** Resolves when a (new) token is set, or rejects when `signal` aborts. */
  nextToken(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const wake = () => resolve();
      this.#waiters.add(wake);
      signal?.addEventListener("abort", () => {
        this.#waiters.delete(wake);
        reject(signal.reason);
      });
    });
  }

  /** `fetch` that sends the tab's token and reports 401s. */
  readonly fetch: typeof globalThis.fetch = async (input, init) => {
    const headers = new Headers(
      init?.headers ?? (input instanceof Request ? input.headers : undefined),
    );
    if (this.#token !== null) headers.set("authorization", `Bearer ${this.#token}`);
    const response = await globalThis.fetch(input, { ...init, headers });
    if (response.status === 401) this.refused();
    return response;
  };
}

/**
 * Where `createDurableFetch` keeps what it needs to resume a response after
 * a reload: the stream's pre-signed URL and content type, under the request
 * id. Never the upstream credential (it is sent once, in the create request).
 */

/** A `Storage`-like key-value store (`sessionStorage`, `localStorage`, or your own). */
export interface DurableStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** What is kept per request id. */
export interface StoredStream {
  /** The pre-signed read URL (`Location` of the create response). */
  readonly streamUrl: string;
  /** `Upstream-Content-Type` of the create response. */
  readonly upstreamContentType: string;
  /** When the URL expires, Unix seconds. */
  readonly expires: number;
}

/** `sessionStorage` when the platform has one (a tab's reloads share it), else memory. */
export function defaultStorage(): DurableStorage {
  try {
    const storage = (globalThis as { sessionStorage?: DurableStorage }).sessionStorage;
    if (storage) return storage;
  } catch {
    // Access can throw (sandboxed iframes, disabled storage): fall back to memory.
  }
  return memoryStorage();
}

/** A store in memory (for Node, tests, or when nothing should outlive the page). */
export function memoryStorage(): DurableStorage {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

/** Reads the entry of `key`, dropping one that is malformed or expired. */
export function loadStream(
  storage: DurableStorage,
  key: string,
  nowSeconds: number,
): StoredStream | null {
  const raw = storage.getItem(key);
  if (raw === null) return null;
  try {
    const entry = JSON.parse(raw) as StoredStream;
    if (typeof entry.streamUrl === "string" && entry.expires > nowSeconds) return entry;
  } catch {
    // A corrupt entry is as good as none.
  }
  storage.removeItem(key);
  return null;
}

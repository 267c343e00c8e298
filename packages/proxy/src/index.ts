/**
 * `@durastream/proxy`: the client of the durastream durable proxy
 * (docs/proxy.md). `createDurableFetch` sends upstream calls through it and
 * reads their responses back, resumable after reloads and network drops.
 */

export {
  type DurableStorage,
  defaultStorage,
  memoryStorage,
  type StoredStream,
} from "./credential-store.js";
export {
  createDurableFetch,
  type DurableFetch,
  type DurableFetchOptions,
  type DurableRequestInit,
  type DurableResponse,
} from "./durable-fetch.js";
export { type ProxyStreamRead, readProxyStream } from "./stream-reader.js";

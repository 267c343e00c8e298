/** The durable proxy (PROXY_PROTOCOL.md): routes, upstream port, signing, allowlist, framing. */

export { compileUrlGlob, parseUpstreamUrl, UpstreamAllowlist } from "./allowlist.js";
export {
  MAX_ERROR_BODY_BYTES,
  type ProxyRequest,
  proxyStreamId,
  SESSION_HEADER,
} from "./create-proxy-stream.js";
export { ProxyError, type ProxyErrorCode, UpstreamAddressRefused } from "./errors.js";
export { dataFrames, type SessionFrame, utf8Boundary } from "./framing.js";
export { type ProxyOutcome, RUNNING, UPSTREAM_OUTCOME_HEADER } from "./outcome.js";
export {
  PROXY_DEFAULTS,
  type ProxyConfig,
  type ProxyOutcomeEvent,
  resolveProxyConfig,
} from "./proxy-config.js";
export { PROXY_SCOPE_PATH, ProxyService } from "./proxy-service.js";
export { DATA_PREFIX, JOURNAL_PREFIX, STREAM_ID } from "./proxy-streams.js";
export { ProxySigner } from "./signing.js";
export {
  fetchUpstream,
  type UpstreamFetcher,
  type UpstreamRequest,
  type UpstreamResponse,
} from "./upstream-fetcher.js";

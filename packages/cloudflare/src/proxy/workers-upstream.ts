/**
 * The proxy's upstream port on Workers: WHATWG `fetch` with redirects
 * returned, not followed (`fetchUpstream`), after an address check of the
 * URL's host. A Worker's `fetch` resolves names itself and offers no hook
 * after resolution, so what can be checked here is the host as written:
 * IP literals that are private (RFC 1918), loopback, link-local (cloud
 * metadata), unspecified or otherwise not public unicast are refused, and so
 * are `localhost` names — unless loopback is allowed (development, tests).
 * A name that resolves to such an address is left to Cloudflare's network:
 * a deployed Worker's subrequests leave from Cloudflare's edge to the public
 * internet and cannot reach private networks (docs/cloudflare.md).
 */

import {
  addressProblem,
  fetchUpstream,
  UpstreamAddressRefused,
  type UpstreamFetcher,
} from "@durastream/server-core";

/** An upstream fetcher refusing non-public IP literals (loopback too unless `allowLoopback`). */
export function workersUpstreamFetcher(
  allowLoopback: boolean,
  fetchImpl: typeof fetch = (input, init) => fetch(input, init),
): UpstreamFetcher {
  const inner = fetchUpstream(fetchImpl);
  return {
    fetch(request) {
      const problem = upstreamHostProblem(request.url.hostname, allowLoopback);
      if (problem) return Promise.reject(new UpstreamAddressRefused(problem));
      return inner.fetch(request);
    },
  };
}

/** Why the proxy may not call `hostname` (as a URL spells it), or null. */
export function upstreamHostProblem(hostname: string, allowLoopback: boolean): string | null {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost")) {
    return allowLoopback ? null : `upstream address ${host} is loopback`;
  }
  // An IP literal: dotted decimal or IPv6 (URL parsing already normalized
  // shorthand forms such as 0x7f.1 or 2130706433 to dotted decimal).
  if (!/^[\d.]+$/.test(host) && !host.includes(":")) return null;
  const problem = addressProblem(host, allowLoopback);
  return problem === null ? null : problem.replace("webhook address", "upstream address");
}

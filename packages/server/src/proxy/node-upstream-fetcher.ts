/**
 * The proxy's upstream port on Node: node:http / node:https with the guarded
 * lookup (every resolved address of every connection checked), no redirects
 * followed (node:http never follows them), no connection reuse (each
 * connection is checked afresh), the body read as it arrives.
 */

import { request as httpRequest, type IncomingMessage } from "node:http";
import {
  UpstreamAddressRefused,
  type UpstreamFetcher,
  type UpstreamResponse,
} from "@durastream/server-core";
import { guardedLookup, literalAddressProblem, REFUSED_ADDRESS } from "../ports/guarded-lookup.js";
import { httpsRequest } from "../ports/https-request.js";

/** An upstream fetcher; `allowLoopback` admits 127.0.0.x and ::1 (development and tests). */
export function nodeUpstreamFetcher(allowLoopback: boolean): UpstreamFetcher {
  const lookup = guardedLookup(allowLoopback);
  return {
    fetch(request) {
      const problem = literalAddressProblem(request.url.hostname, allowLoopback);
      if (problem) return Promise.reject(new UpstreamAddressRefused(upstreamWording(problem)));
      const send = request.url.protocol === "https:" ? httpsRequest : httpRequest;
      return new Promise<UpstreamResponse>((resolve, reject) => {
        const headers: Record<string, string> = { ...request.headers };
        if (request.body !== null) headers["content-length"] = String(request.body.length);
        const req = send(
          request.url,
          { method: request.method, headers, lookup, signal: request.signal, agent: false },
          (res) => resolve(nodeResponse(res)),
        );
        req.on("error", (error: NodeJS.ErrnoException) => {
          if (error.code === REFUSED_ADDRESS) {
            reject(new UpstreamAddressRefused(upstreamWording(error.message)));
          } else reject(error);
        });
        req.end(request.body ?? undefined);
      });
    },
  };
}

function nodeResponse(res: IncomingMessage): UpstreamResponse {
  return {
    status: res.statusCode ?? 0,
    header(name) {
      const value = res.headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(", ") : value;
    },
    body: res,
  };
}

/** The shared address check words its refusals for webhooks. */
function upstreamWording(message: string): string {
  return message.replace("webhook address", "upstream address");
}

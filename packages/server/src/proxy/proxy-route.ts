/**
 * node:http ⇄ the proxy routes: requests to the proxy path (`/v1/proxy` and
 * `/v1/proxy/<id>`) go through the same admission as stream requests (rate
 * limits, body budget, live-reader caps) and are written back by the same
 * response writer, so proxy reads behave on the wire exactly as stream reads.
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import { parseRequestTarget, StreamPathError } from "@durastream/protocol";
import type { EngineResponse, ProxyRequest, ProxyService } from "@durastream/server-core";
import { admitRequest, isRefusal, type RequestAdmission } from "../http/admission/admission.js";
import { drainRefused } from "../http/drain-refused.js";
import { deferredContinue } from "../http/expect-continue.js";
import { jsonError } from "../http/json-responses.js";
import { writeResponse } from "../http/node-adapter.js";
import { requestBody } from "../http/request-body.js";

/** Routes requests under `path` to the proxy service. */
export class ProxyRoute {
  readonly #path: string;

  constructor(
    private readonly service: ProxyService,
    path: string,
    private readonly admission: RequestAdmission,
    /** Origin clients reach the server at, for `Location`; default: the request's `Host`. */
    private readonly publicOrigin: string | undefined,
  ) {
    this.#path = path.replace(/\/+$/, "");
  }

  /** The proxy path, e.g. `/v1/proxy`. */
  get path(): string {
    return this.#path;
  }

  /** Handles `req` when it is aimed at the proxy; null otherwise. */
  route(req: IncomingMessage, res: ServerResponse): Promise<void> | null {
    const raw = req.url ?? "/";
    const q = raw.indexOf("?");
    const pathname = q === -1 ? raw : raw.slice(0, q);
    if (pathname !== this.#path && !pathname.startsWith(`${this.#path}/`)) return null;
    return this.#handle(req, res);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let target: ReturnType<typeof parseRequestTarget>;
    try {
      target = parseRequestTarget(req.url ?? "/");
    } catch (error) {
      if (!(error instanceof StreamPathError)) throw error;
      writeResponse(res, jsonError(400, "BAD_REQUEST", error.message));
      return;
    }
    const rest = target.pathname.slice(this.#path.length).replace(/^\//, "");
    const query = new URLSearchParams(target.query);
    const hasBody =
      (req.method === "POST" || req.method === "PATCH") && req.headers["content-length"] !== "0";
    const admitted = admitRequest(this.admission, req, res, `__ds/proxy/s/${rest}`, query, hasBody);
    if (isRefusal(admitted)) {
      writeResponse(
        res,
        hasBody ? drainRefused(req, res, admitted, this.admission.maxDrainBytes) : admitted,
      );
      return;
    }
    let body = hasBody ? requestBody(req, deferredContinue(res)) : null;
    if (body !== null) body = admitted.body(body);
    const host = target.authority ?? req.headers.host ?? "localhost";
    const origin = this.publicOrigin?.replace(/\/+$/, "") ?? `http://${host}`;
    let response: EngineResponse;
    try {
      response = await this.service.handle(
        new NodeProxyRequest(req, res, rest, query, body),
        `${origin}${this.#path}`,
      );
    } finally {
      admitted.release();
    }
    // A body left unread (a refusal before reading it) is drained, bounded, as on stream routes.
    if (hasBody && !req.readableEnded) {
      response = drainRefused(req, res, response, this.admission.maxDrainBytes);
    }
    writeResponse(res, response);
  }
}

class NodeProxyRequest implements ProxyRequest {
  readonly method: string;
  #abort: AbortController | undefined;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    readonly path: string,
    readonly query: URLSearchParams,
    readonly body: AsyncIterable<Uint8Array> | null,
  ) {
    this.method = req.method ?? "GET";
  }

  header(name: string): string | null {
    const value = this.req.headers[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(", ") : value;
  }

  headerNames(): readonly string[] {
    return Object.keys(this.req.headers);
  }

  get signal(): AbortSignal {
    if (this.#abort === undefined) {
      const abort = new AbortController();
      if (this.res.closed) abort.abort();
      else this.res.once("close", () => abort.abort());
      this.#abort = abort;
    }
    return this.#abort.signal;
  }
}

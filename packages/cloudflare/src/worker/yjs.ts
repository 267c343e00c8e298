/**
 * Yjs documents on the Worker (`/v1/yjs/{service}/docs/{doc}`): the same
 * runtime-neutral routes as on Node (`@durastream/yjs/server`), whose engine
 * here is the Worker's own stream router, so each of a document's streams is
 * served by its own Durable Object. Compactions run under `waitUntil`.
 */

import type { EngineRequest, EngineResponse, StreamingBody } from "@durastream/server-core";
import type { StreamsEngine, YjsRoutes } from "@durastream/yjs/server";
import type { Config } from "../config.js";

/** Where the Yjs routes live. */
export const YJS_BASE_PATH = "/v1/yjs";

/** Routes a stream request as the Worker does (to the stream's object). */
export type StreamRouter = (request: Request) => Promise<Response>;

/** Trims a stream below an offset in its object (`DurableStreamObject.trimStream`). */
export type StreamTrimmer = (path: string, offset: string) => Promise<string | null>;

/** The routes of this isolate (document states are per isolate; compaction is safe across them). */
let routes: YjsRoutes | undefined;

/**
 * The Yjs routes over the Worker's stream `router` (created once per
 * isolate). Loaded on first use: Yjs draws random numbers when its modules
 * load, which a Worker allows only inside a handler.
 */
export async function yjsRoutes(
  config: Config,
  router: StreamRouter,
  origin: string,
  trim?: StreamTrimmer,
): Promise<YjsRoutes> {
  const { YjsRoutes } = await import("@durastream/yjs/server");
  routes ??= new YjsRoutes({
    engine: new RouterEngine(router, origin, config.basePath, trim),
    streamBasePath: config.basePath,
    secret: config.secret,
    compactionThreshold: config.yjsCompactionThreshold,
    onCompactionError: (error, doc) =>
      console.error(`durastream: yjs compaction of ${doc.service}/${doc.docPath} failed`, error),
  });
  return routes;
}

/** The stream router as an engine: an `EngineRequest` becomes a `Request` and back. */
class RouterEngine implements StreamsEngine {
  readonly trimStream?: StreamTrimmer;

  constructor(
    private readonly router: StreamRouter,
    private readonly origin: string,
    private readonly basePath: string,
    trim?: StreamTrimmer,
  ) {
    if (trim) this.trimStream = trim;
  }

  async handle(request: EngineRequest): Promise<EngineResponse> {
    const path = request.path.split("/").map(encodeURIComponent).join("/");
    const query = request.query.toString();
    const url = `${this.origin}${this.basePath}/${path}${query ? `?${query}` : ""}`;
    const headers = new Headers();
    for (const name of FORWARDED) {
      const value = request.header(name);
      if (value !== null) headers.set(name, value);
    }
    const response = await this.router(
      new Request(url, {
        method: request.method,
        headers,
        body: bodyOf(request.body),
        signal: request.signal,
      }),
    );
    const responseHeaders: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      responseHeaders[name] = value;
    });
    const isSse = response.headers.get("content-type")?.startsWith("text/event-stream") ?? false;
    if (isSse && response.body !== null) {
      return {
        status: response.status,
        headers: responseHeaders,
        body: streamingBody(response.body),
      };
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    return {
      status: response.status,
      headers: responseHeaders,
      body: bytes.length === 0 ? null : [bytes],
    };
  }
}

/** Headers the Yjs routes set on stream requests. */
const FORWARDED = [
  "authorization",
  "origin",
  "content-type",
  "if-none-match",
  "producer-id",
  "producer-epoch",
  "producer-seq",
  "access-control-request-method",
  "access-control-request-headers",
  // The document's index is created with a retention limit (its newest entries).
  "stream-retention-max-bytes",
];

function bodyOf(body: EngineRequest["body"]): BodyInit | null {
  if (body === null) return null;
  if (body instanceof Uint8Array) return body;
  const iterator = body[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

/** An SSE response body relayed to the engine's sink, honouring its backpressure. */
function streamingBody(stream: ReadableStream<Uint8Array>): StreamingBody {
  const reader = stream.getReader();
  return {
    start(sink) {
      const pump = async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return sink.end();
          if (!sink.write(value)) {
            await new Promise<void>((drained) => sink.onDrain(drained));
          }
        }
      };
      pump().catch(() => sink.end());
    },
    cancel() {
      void reader.cancel().catch(() => {});
    },
  };
}

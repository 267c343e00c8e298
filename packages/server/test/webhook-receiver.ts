/** A real local HTTP server that receives webhooks, for subscription tests. */

import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

/** One webhook request as received. */
export interface ReceivedWebhook {
  readonly rawBody: string;
  readonly body: {
    subscription_id: string;
    wake_id: string;
    generation: number;
    streams: Array<{
      path: string;
      link_type: string;
      acked_offset: string;
      tail_offset: string;
      has_pending: boolean;
    }>;
    callback_url: string;
    callback_token: string;
  };
  readonly headers: IncomingHttpHeaders;
  /** When it arrived (ms since epoch). */
  readonly at: number;
}

/** What the receiver answers: a status and a JSON body. */
export type Reply = { status: number; body?: unknown };

/** A running receiver. */
export interface WebhookReceiver {
  readonly url: string;
  readonly received: ReceivedWebhook[];
  /** Resolves with request number `n` (1-based) once it has arrived. */
  nth(n: number, timeoutMs?: number): Promise<ReceivedWebhook>;
  close(): Promise<void>;
}

/**
 * Starts a receiver on 127.0.0.1. `reply` decides each answer (default
 * 200 `{}`); it may be async (e.g. append to a stream before answering).
 */
export async function startReceiver(
  reply: (request: ReceivedWebhook, index: number) => Reply | Promise<Reply> = () => ({
    status: 200,
    body: {},
  }),
): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const waiters: Array<() => void> = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (part: Buffer) => parts.push(part));
    req.on("end", async () => {
      const rawBody = Buffer.concat(parts).toString("utf8");
      const request: ReceivedWebhook = {
        rawBody,
        body: JSON.parse(rawBody) as ReceivedWebhook["body"],
        headers: req.headers,
        at: Date.now(),
      };
      received.push(request);
      for (const wake of waiters.splice(0)) wake();
      const answer = await reply(request, received.length);
      res.writeHead(answer.status, { "content-type": "application/json" });
      res.end(JSON.stringify(answer.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    async nth(n, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < n) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`webhook ${n} did not arrive (got ${received.length})`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return received[n - 1]!;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

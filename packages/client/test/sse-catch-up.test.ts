/**
 * An SSE connection may serve a catch-up in several frames: a control event
 * without `upToDate` means more follows on the same connection. The client
 * must keep reading that connection, not switch to GETs while its buffered
 * events wait, or those events are delivered a second time.
 */

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { stream } from "../src/index.js";

const OFFSET = (n: number) => `0000000000000000_${String(n).padStart(16, "0")}`;

function sseEvent(event: string, data: string): string {
  return `event: ${event}\n${data
    .split("\n")
    .map((line) => `data:${line}`)
    .join("\n")}\n\n`;
}

/**
 * A server scripted at the wire level: the first SSE connection sends two
 * frames of a catch-up (`[1,2]`, not up to date, then `[3,4]`, up to date)
 * and then a live `[5]`; GET catch-ups answer from the same log.
 */
function scriptedServer(): Promise<{ url: string; server: Server; gets: string[] }> {
  const gets: string[] = [];
  const common = {
    "content-type": "application/json",
    "access-control-expose-headers": "*",
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const offset = url.searchParams.get("offset");
    if (url.searchParams.get("live") === "sse") {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.write(sseEvent("data", "[1,2]"));
      res.write(
        sseEvent("control", JSON.stringify({ streamNextOffset: OFFSET(4), streamCursor: "1" })),
      );
      // The rest of the catch-up arrives a little later on the same connection, then a
      // last live item: once the client has it, it has read everything this connection sent.
      setTimeout(() => {
        res.write(sseEvent("data", "[3,4]"));
        res.write(
          sseEvent(
            "control",
            JSON.stringify({ streamNextOffset: OFFSET(8), streamCursor: "2", upToDate: true }),
          ),
        );
        res.write(sseEvent("data", "[5]"));
        res.write(
          sseEvent(
            "control",
            JSON.stringify({ streamNextOffset: OFFSET(12), streamCursor: "3", upToDate: true }),
          ),
        );
      }, 50);
      return;
    }
    gets.push(`${offset} ${url.searchParams.get("live") ?? "catch-up"}`);
    if (url.searchParams.get("live") === "long-poll") {
      // Nothing new after the catch-up: hold, then 204.
      setTimeout(() => {
        res.writeHead(204, {
          ...common,
          "stream-next-offset": offset ?? OFFSET(8),
          "stream-up-to-date": "true",
        });
        res.end();
      }, 1000);
      return;
    }
    const log: Record<string, [string, string]> = {
      [OFFSET(4)]: ["[3,4]", OFFSET(8)],
      [OFFSET(8)]: ["[5]", OFFSET(12)],
    };
    const [body, next] =
      offset === "-1" ? ["[]", OFFSET(0)] : (log[offset ?? ""] ?? ["[]", OFFSET(12)]);
    res.writeHead(200, { ...common, "stream-next-offset": next, "stream-up-to-date": "true" });
    res.end(body);
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}/v1/stream/s`, server, gets });
    });
  });
}

describe("SSE catch-up in several frames", () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) server.close();
  });

  it("delivers every item once and reads the rest from the same connection", async () => {
    const { url, server, gets } = await scriptedServer();
    servers.push(server);
    const res = await stream<number>({ url, offset: "-1", live: "sse", json: true });
    const items: number[] = [];
    await new Promise<void>((resolve) => {
      res.subscribeJson((batch) => {
        items.push(...batch.items);
        // The last item the connection sends: a catch-up GET issued wrongly, while the
        // buffered frames waited, was sent before it.
        if (batch.items.includes(5)) resolve();
      });
    });
    res.cancel();
    server.closeAllConnections();
    expect(items).toEqual([1, 2, 3, 4, 5]);
    expect(gets).toEqual(["-1 catch-up"]);
  });
});

/**
 * A live long-poll read ends after the last byte of the stream, even when the
 * response that closed the stream arrived while the one before it was still
 * being read. The official client 0.2.x loses that last response's data from
 * `textStream()` then (docs/client.md, "Follow live"); this pins both, with a
 * scripted server whose middle response trickles its body.
 */

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { stream as officialStream } from "@durable-streams/client";
import { afterAll, beforeAll, expect, test } from "vitest";
import { stream } from "../src/index.js";

const offset = (n: number) => `0000000000000000_${String(n).padStart(16, "0")}`;
/** How long the middle response's body takes after its first byte. */
const TRICKLE_MS = 300;

let url: string;
let server: ReturnType<typeof createServer>;

function answer(req: IncomingMessage, res: ServerResponse): void {
  const at = new URL(req.url ?? "/", "http://x").searchParams.get("offset");
  const headers = (next: number, closed: boolean) => ({
    "content-type": "text/plain",
    "stream-next-offset": offset(next),
    "stream-up-to-date": "true",
    "stream-cursor": String(next),
    ...(closed ? { "stream-closed": "true" } : {}),
  });
  if (at === "-1") {
    res.writeHead(200, headers(1, false)).end("a");
  } else if (at === offset(1)) {
    res.writeHead(200, headers(2, false));
    res.write("b");
    setTimeout(() => res.end("b"), TRICKLE_MS);
  } else if (at === offset(2)) {
    res.writeHead(200, headers(3, true)).end("c");
  } else {
    res.writeHead(400, { "content-type": "application/json" }).end('{"error":{"code":"BAD"}}');
  }
}

beforeAll(async () => {
  server = createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/stream/s`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

test("textStream() in long-poll mode keeps the data of the closing response read ahead", async () => {
  const res = await stream({ url, offset: "-1", live: "long-poll" });
  let text = "";
  for await (const chunk of res.textStream()) text += chunk;
  expect(text).toBe("abbc");
});

test("the official client's textStream() drops it (what docs/client.md tells users moving from it)", async () => {
  const res = await officialStream({ url, offset: "-1", live: "long-poll" });
  let text = "";
  for await (const chunk of res.textStream()) text += chunk;
  expect(text).toBe("abb");
});

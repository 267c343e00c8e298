/**
 * Pipelined producer requests that arrive out of order are applied in
 * sequence order (Section 5.2.1), not refused as sequence gaps.
 */

import { type IncomingMessage, request } from "node:http";
import { expect, test } from "vitest";
import { streamUrl, suiteServer } from "./helpers.js";

const suite = suiteServer();

/** Starts a producer POST whose body is sent later; resolves the status once answered. */
function slowPost(
  url: string,
  seq: number,
): { finish: (body: string) => void; status: Promise<number> } {
  const req = request(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "transfer-encoding": "chunked",
      "producer-id": "pipelined",
      "producer-epoch": "0",
      "producer-seq": String(seq),
    },
  });
  const status = new Promise<number>((resolve, reject) => {
    req.on("response", (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
  });
  req.flushHeaders();
  return { finish: (body) => req.end(body), status };
}

/** Resolves with the server side of the next `count` requests, as their headers arrive. */
function nextRequests(count: number): Promise<IncomingMessage[]> {
  return new Promise((resolve) => {
    const seen: IncomingMessage[] = [];
    const onRequest = (req: IncomingMessage) => {
      seen.push(req);
      if (seen.length < count) return;
      suite.server.http.off("request", onRequest);
      resolve(seen);
    };
    suite.server.http.on("request", onRequest);
  });
}

test("seq 1 arriving before seq 0 waits for it and both are applied in order", async () => {
  const url = streamUrl(suite.server, "pipelined");
  await fetch(url, { method: "PUT", headers: { "content-type": "application/json" } });
  const arrived = nextRequests(2);
  const first = slowPost(url, 0);
  const second = slowPost(url, 1);
  // Both requests are in the server (headers parsed) before any body is sent.
  const serverSide = await arrived;
  const secondOnServer = serverSide.find((req) => req.headers["producer-seq"] === "1")!;
  const secondBodyRead = new Promise((resolve) => secondOnServer.once("end", resolve));
  second.finish('{"seq":1}');
  // seq 1's whole body reached the engine, which must now hold it for seq 0.
  await secondBodyRead;
  first.finish('{"seq":0}');
  expect(await first.status).toBe(200);
  expect(await second.status).toBe(200);
  const messages = await (await fetch(`${url}?offset=-1`)).json();
  expect(messages).toEqual([{ seq: 0 }, { seq: 1 }]);
});

test("a real gap (no predecessor in flight) is still refused with the expected sequence", async () => {
  const url = streamUrl(suite.server, "gap");
  await fetch(url, { method: "PUT", headers: { "content-type": "application/json" } });
  const headers = { "content-type": "application/json", "producer-id": "p", "producer-epoch": "0" };
  expect(
    (await fetch(url, { method: "POST", headers: { ...headers, "producer-seq": "0" }, body: "{}" }))
      .status,
  ).toBe(200);
  const gap = await fetch(url, {
    method: "POST",
    headers: { ...headers, "producer-seq": "3" },
    body: "{}",
  });
  expect(gap.status).toBe(409);
  expect(gap.headers.get("producer-expected-seq")).toBe("1");
  expect(gap.headers.get("producer-received-seq")).toBe("3");
});

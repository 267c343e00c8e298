/**
 * Pipelined producer requests that arrive out of order are applied in
 * sequence order (Section 5.2.1), not refused as sequence gaps.
 */

import { request } from "node:http";
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

test("seq 1 arriving before seq 0 waits for it and both are applied in order", async () => {
  const url = streamUrl(suite.server, "pipelined");
  await fetch(url, { method: "PUT", headers: { "content-type": "application/json" } });
  const first = slowPost(url, 0);
  const second = slowPost(url, 1);
  await new Promise((resolve) => setTimeout(resolve, 50));
  second.finish('{"seq":1}');
  await new Promise((resolve) => setTimeout(resolve, 100));
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

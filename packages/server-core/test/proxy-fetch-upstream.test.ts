/**
 * `fetchUpstream`, the upstream port over WHATWG fetch (for runtimes without
 * node:http): a redirect comes back as the 3xx it is, never followed, and a
 * body streams through as it arrives.
 */

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, test } from "vitest";
import { fetchUpstream } from "../src/index.js";

let origin: string;
const server = createServer((req, res) => {
  if (req.url === "/redirect") {
    res.writeHead(307, { location: "/body" }).end();
    return;
  }
  res.writeHead(200, { "content-type": "text/plain" });
  res.write("one ");
  setTimeout(() => res.end(`two ${req.headers.authorization}`), 20);
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
});

test("redirects are returned, not followed; bodies stream", async () => {
  const fetcher = fetchUpstream();
  const signal = new AbortController().signal;
  const redirect = await fetcher.fetch({
    url: new URL(`${origin}/redirect`),
    method: "GET",
    headers: {},
    body: null,
    signal,
  });
  expect(redirect.status).toBe(307);
  expect(redirect.header("location")).toBe("/body");
  const response = await fetcher.fetch({
    url: new URL(`${origin}/body`),
    method: "POST",
    headers: { authorization: "Bearer k" },
    body: new TextEncoder().encode("{}"),
    signal,
  });
  expect(response.status).toBe(200);
  expect(response.header("Content-Type")).toBe("text/plain");
  let text = "";
  for await (const chunk of response.body) text += new TextDecoder().decode(chunk);
  expect(text).toBe("one two Bearer k");
});

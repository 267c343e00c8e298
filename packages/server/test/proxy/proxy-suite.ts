/**
 * The durable proxy's protocol suite (docs/proxy.md, PROXY_PROTOCOL.md),
 * run against every runtime that serves it: the Node server over SQLite
 * (`proxy.test.ts` here) and the Worker on workerd
 * (`packages/cloudflare/test/proxy.test.ts`). Against local mock upstreams:
 * exact bytes, resume from every offset, abort, limits, every refusal,
 * sessions, and credentials kept out of storage and logs.
 */

import { readFileSync } from "node:fs";
import { stream as officialStream } from "@durable-streams/client";
import { stream as ourStream } from "@durastream/client";
import { ProxySigner, signStreamToken } from "@durastream/server-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { hugeBytes, type MockUpstream, sseEvent, startMockUpstream } from "./mock-upstream.js";
import {
  at,
  create,
  created,
  errorOf,
  head,
  joined,
  readToEnd,
  SECRET,
  SERVICE,
  text,
  UPSTREAM_CREDENTIAL,
} from "./proxy-client.js";
import { MAX_RESPONSE, type ProxyTarget, SIGNING_KEY } from "./proxy-target.js";

/** Runs the protocol suite against the target `start` makes for `upstreamUrl`. */
export function proxyProtocolSuite(start: (upstreamUrl: string) => Promise<ProxyTarget>): void {
  let upstream: MockUpstream;
  let target: ProxyTarget;
  let proxyUrl: string;
  let tightUrl: string;

  beforeAll(async () => {
    upstream = await startMockUpstream();
    target = await start(upstream.url);
    proxyUrl = target.proxyUrl;
    tightUrl = target.tightUrl;
  });

  afterAll(async () => {
    await target?.close();
    await upstream?.close();
  });

  const sseText = (n: number) =>
    `${Array.from({ length: n }, (_, i) => sseEvent(i)).join("")}data: [DONE]\n\n`;

  describe("create and read", () => {
    test("an SSE upstream's bytes arrive exactly, the stream closes with outcome complete", async () => {
      const res = await create(proxyUrl, `${upstream.url}/sse?n=30&delay=3`);
      expect(res.status).toBe(201);
      expect(res.headers.get("upstream-content-type")).toBe("text/event-stream");
      const location = res.headers.get("location")!;
      expect(location).toMatch(/\/v1\/proxy\/[0-9a-f-]{36}\?expires=\d+&signature=[\w-]+$/);
      const steps = await readToEnd(location);
      expect(text(joined(steps))).toBe(sseText(30));
      const last = await fetch(at(location, steps.at(-1)!.next));
      expect(last.headers.get("upstream-content-type")).toBe("text/event-stream");
      expect(last.headers.get("upstream-outcome")).toBe("complete");
      expect(last.headers.get("cache-control") ?? "").not.toContain("public");
      const meta = await head(location);
      expect(meta.status).toBe(200);
      expect(meta.headers.get("stream-closed")).toBe("true");
      expect(meta.headers.get("upstream-outcome")).toBe("complete");
    });

    test("a reader resumes from every offset it was given, and after a dropped SSE connection", async () => {
      const location = await created(create(proxyUrl, `${upstream.url}/sse?n=40&delay=2`));
      // Live SSE read, dropped after its first data event.
      const dropped = new AbortController();
      const sse = await fetch(at(location, "-1", "sse"), { signal: dropped.signal });
      expect(sse.headers.get("content-type")).toContain("text/event-stream");
      const reader = sse.body!.getReader();
      let seen = "";
      while (!/"streamNextOffset":"[^"]+"/.test(seen)) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += new TextDecoder().decode(value);
      }
      dropped.abort();
      const resumeAt = /"streamNextOffset":"([^"]+)"/.exec(seen)![1]!;
      const steps = await readToEnd(location);
      const whole = joined(steps);
      expect(text(whole)).toBe(sseText(40));
      const afterDrop = joined(await readToEnd(location, resumeAt));
      expect(text(whole).endsWith(text(afterDrop))).toBe(true);
      // Every offset handed out resumes with exactly the rest of the bytes.
      let consumed = 0;
      for (const step of steps) {
        if (step.offset !== "-1") {
          const rest = joined(await readToEnd(location, step.offset));
          expect(text(rest)).toBe(text(whole.subarray(consumed)));
        }
        consumed += step.bytes.length;
      }
    });

    test("the official client and ours read a proxy stream live, SSE and long-poll, to its closure", async () => {
      for (const [name, live] of [
        ["official", "sse"],
        ["official", "long-poll"],
        ["ours", "sse"],
        ["ours", "long-poll"],
      ] as const) {
        const location = await created(create(proxyUrl, `${upstream.url}/sse?n=12&delay=3`));
        let received = "";
        if (name === "official") {
          // The official client reads through `subscribeText`: its `textStream()`
          // drops the data of a closing long-poll response that its read-ahead
          // fetched while the previous body was still being piped (it checks the
          // stream's closure, already set by the newer response, after each body).
          // Compressed bodies (the Worker's) pipe slowly enough to hit it.
          const res = await officialStream({ url: location, offset: "-1", live });
          await new Promise<void>((resolve) => {
            res.subscribeText((chunk) => {
              received += chunk.text;
              if (chunk.streamClosed) resolve();
            });
          });
        } else {
          const res = await ourStream({ url: location, offset: "-1", live });
          for await (const chunk of res.textStream()) received += chunk;
        }
        expect(received, `${name} client, ${live}`).toBe(sseText(12));
      }
    });

    test("headers are forwarded but the proxy's own; Upstream-Authorization becomes Authorization", async () => {
      const before = upstream.requests.length;
      const location = await created(
        create(proxyUrl, `${upstream.url}/echo`, {
          method: "PUT",
          headers: { "x-custom": "kept", "content-type": "application/json" },
          body: '{"q":1}',
        }),
      );
      const echoed = JSON.parse(text(joined(await readToEnd(location)))) as {
        method: string;
        headers: Record<string, string>;
        body: string;
      };
      expect(echoed.method).toBe("PUT");
      expect(echoed.body).toBe('{"q":1}');
      expect(echoed.headers["x-custom"]).toBe("kept");
      for (const name of ["upstream-url", "upstream-method", "upstream-authorization"]) {
        expect(echoed.headers[name]).toBeUndefined();
      }
      const received = upstream.requests[before]!;
      expect(received.headers.authorization).toBe(`Bearer ${UPSTREAM_CREDENTIAL}`);
      expect(received.headers.host).toBe(new URL(upstream.url).host);
    });

    test("a huge binary body within the limit is stored byte for byte", async () => {
      const size = 900 * 1024;
      const location = await created(create(proxyUrl, `${upstream.url}/huge?bytes=${size}`));
      const body = joined(await readToEnd(location));
      expect(body.length).toBe(size);
      expect(Buffer.compare(Buffer.from(body), Buffer.from(hugeBytes(size)))).toBe(0);
    });
  });

  describe("ends other than complete", () => {
    test("a body over the size limit is cut at the limit, outcome size-limit", async () => {
      const location = await created(
        create(proxyUrl, `${upstream.url}/huge?bytes=${3 * MAX_RESPONSE}`),
      );
      const steps = await readToEnd(location);
      const body = joined(steps);
      expect(body.length).toBe(MAX_RESPONSE);
      expect(Buffer.compare(Buffer.from(body), Buffer.from(hugeBytes(MAX_RESPONSE)))).toBe(0);
      expect((await head(location)).headers.get("upstream-outcome")).toBe("size-limit");
    });

    test("abort mid-response: the upstream is cut, what arrived stays, the stream closes", async () => {
      const response = upstream.controlled("abort");
      const location = await created(create(proxyUrl, `${upstream.url}/controlled/abort`));
      response.write("first part, ");
      const first = await fetch(at(location, "-1"));
      let offset = first.headers.get("stream-next-offset")!;
      let seen = await first.text();
      while (seen === "") {
        const res = await fetch(at(location, offset, "long-poll"));
        seen += await res.text();
        offset = res.headers.get("stream-next-offset")!;
      }
      expect(seen).toBe("first part, ");
      const abortUrl = new URL(location);
      abortUrl.searchParams.set("action", "abort");
      expect((await fetch(abortUrl, { method: "PATCH" })).status).toBe(204);
      await response.closed;
      response.write("never stored");
      const steps = await readToEnd(location);
      expect(text(joined(steps))).toBe("first part, ");
      expect((await head(location)).headers.get("upstream-outcome")).toBe("aborted");
      // Idempotent.
      expect((await fetch(abortUrl, { method: "PATCH" })).status).toBe(204);
    });

    test("an upstream silent past the idle timeout is cut, outcome idle-timeout", async () => {
      const response = upstream.controlled("idle");
      const location = await created(create(tightUrl, `${upstream.url}/controlled/idle`));
      response.write("then silence");
      const steps = await readToEnd(location);
      expect(text(joined(steps))).toBe("then silence");
      expect((await head(location)).headers.get("upstream-outcome")).toBe("idle-timeout");
    });

    test("a response past the maximum duration is cut, outcome duration-limit", async () => {
      const response = upstream.controlled("long");
      const location = await created(create(tightUrl, `${upstream.url}/controlled/long`));
      const trickle = setInterval(() => response.write("."), 100);
      try {
        const steps = await readToEnd(location);
        const dots = text(joined(steps));
        expect(dots).toMatch(/^\.{10,}$/);
        expect((await head(location)).headers.get("upstream-outcome")).toBe("duration-limit");
      } finally {
        clearInterval(trickle);
      }
    });

    test("DELETE with the service credential cuts the upstream and removes the stream", async () => {
      const response = upstream.controlled("delete");
      const location = await created(create(proxyUrl, `${upstream.url}/controlled/delete`));
      await response.arrived;
      const url = new URL(location);
      const bare = `${url.origin}${url.pathname}`;
      expect((await fetch(bare, { method: "DELETE" })).status).toBe(401);
      expect((await fetch(location, { method: "DELETE" })).status).toBe(401);
      expect((await fetch(bare, { method: "DELETE", headers: SERVICE })).status).toBe(204);
      await response.closed;
      expect(await errorOf(await fetch(location))).toEqual({
        status: 404,
        code: "STREAM_NOT_FOUND",
      });
      expect((await fetch(bare, { method: "DELETE", headers: SERVICE })).status).toBe(204);
    });
  });

  describe("refusals", () => {
    test("upstream 4xx/5xx answer 502 with Upstream-Status and the body; nothing is stored", async () => {
      const before = await target.proxyStreamCount();
      for (const status of [500, 429, 404]) {
        const res = await create(proxyUrl, `${upstream.url}/fail?status=${status}`);
        expect(res.status).toBe(502);
        expect(res.headers.get("upstream-status")).toBe(String(status));
        expect(res.headers.get("content-type")).toBe("application/json");
        expect(await res.json()).toEqual({ error: "upstream says no" });
      }
      const big = await create(proxyUrl, `${upstream.url}/fail-big`);
      expect(big.status).toBe(502);
      expect((await big.arrayBuffer()).byteLength).toBe(64 * 1024);
      expect(await target.proxyStreamCount()).toBe(before);
    });

    test("redirects are refused, not followed", async () => {
      const before = upstream.requests.length;
      const res = await create(proxyUrl, `${upstream.url}/redirect`);
      expect(await errorOf(res)).toEqual({ status: 400, code: "REDIRECT_NOT_ALLOWED" });
      expect(upstream.requests.slice(before).map((r) => r.path)).toEqual(["/redirect"]);
    });

    test("no upstream headers in time: 504 UPSTREAM_TIMEOUT", async () => {
      const res = await create(tightUrl, `${upstream.url}/slow-headers`);
      expect(await errorOf(res)).toEqual({ status: 504, code: "UPSTREAM_TIMEOUT" });
    });

    test("bad create requests get their precise 4xx and store nothing", async () => {
      const before = await target.proxyStreamCount();
      const post = (headers: Record<string, string>) =>
        fetch(proxyUrl, { method: "POST", headers, body: "{}" });
      const up = { "upstream-url": `${upstream.url}/sse`, "upstream-method": "POST" };
      expect(await errorOf(await post({ ...SERVICE, "upstream-method": "POST" }))).toEqual({
        status: 400,
        code: "MISSING_UPSTREAM_URL",
      });
      expect(await errorOf(await post({ ...SERVICE, "upstream-url": up["upstream-url"] }))).toEqual(
        {
          status: 400,
          code: "MISSING_UPSTREAM_METHOD",
        },
      );
      expect(await errorOf(await post({ ...SERVICE, ...up, "upstream-method": "TRACE" }))).toEqual({
        status: 400,
        code: "INVALID_UPSTREAM_METHOD",
      });
      expect(
        await errorOf(await post({ ...SERVICE, ...up, "upstream-url": "https://example.com/v1" })),
      ).toEqual({ status: 403, code: "UPSTREAM_NOT_ALLOWED" });
      expect(
        await errorOf(await post({ ...SERVICE, ...up, "upstream-url": "file:///etc/passwd" })),
      ).toEqual({
        status: 403,
        code: "UPSTREAM_NOT_ALLOWED",
      });
      expect(await errorOf(await post(up))).toEqual({ status: 401, code: "MISSING_SECRET" });
      expect(await errorOf(await post({ ...up, authorization: "Bearer wrong" }))).toEqual({
        status: 401,
        code: "INVALID_SECRET",
      });
      expect(await errorOf(await post({ ...SERVICE, ...up, "proxy-session-id": "a b" }))).toEqual({
        status: 400,
        code: "INVALID_SESSION_ID",
      });
      expect(
        await errorOf(await fetch(`${proxyUrl}/x`, { method: "PATCH", headers: SERVICE })),
      ).toEqual({
        status: 400,
        code: "INVALID_ACTION",
      });
      expect(await target.proxyStreamCount()).toBe(before);
    });

    test("tampered, foreign, expired and missing signatures are refused; the service credential reads", async () => {
      const location = await created(create(proxyUrl, `${upstream.url}/sse?n=2&delay=1`));
      await readToEnd(location);
      const url = new URL(location);
      const id = url.pathname.split("/").pop()!;
      const expires = Number(url.searchParams.get("expires"));
      const signature = url.searchParams.get("signature")!;
      const tampered = new URL(location);
      tampered.searchParams.set(
        "signature",
        `${signature[0] === "A" ? "B" : "A"}${signature.slice(1)}`,
      );
      expect(await errorOf(await fetch(tampered))).toEqual({
        status: 401,
        code: "SIGNATURE_INVALID",
      });
      const later = new URL(location);
      later.searchParams.set("expires", String(expires + 3600));
      expect(await errorOf(await fetch(later))).toEqual({ status: 401, code: "SIGNATURE_INVALID" });
      const other = await created(create(proxyUrl, `${upstream.url}/sse?n=1&delay=1`));
      const foreign = new URL(other);
      foreign.searchParams.set("signature", signature);
      foreign.searchParams.set("expires", String(expires));
      expect(await errorOf(await fetch(foreign))).toEqual({
        status: 401,
        code: "SIGNATURE_INVALID",
      });
      const signer = new ProxySigner(SIGNING_KEY);
      const past = Math.floor(Date.now() / 1000) - 1;
      const expired = `${url.origin}${url.pathname}?expires=${past}&signature=${await signer.sign(id, past)}`;
      expect(await errorOf(await fetch(expired))).toEqual({
        status: 401,
        code: "SIGNATURE_EXPIRED",
      });
      const abortExpired = new URL(expired);
      abortExpired.searchParams.set("action", "abort");
      expect(await errorOf(await fetch(abortExpired, { method: "PATCH" }))).toEqual({
        status: 401,
        code: "SIGNATURE_EXPIRED",
      });
      const bare = `${url.origin}${url.pathname}`;
      expect(await errorOf(await fetch(bare))).toEqual({ status: 401, code: "MISSING_SECRET" });
      expect((await fetch(at(bare, "-1"), { headers: SERVICE })).status).toBe(200);
      // HEAD takes the service credential only; PATCH the signature only.
      expect((await fetch(location, { method: "HEAD" })).status).toBe(401);
      const abortBare = `${bare}?action=abort`;
      expect(await errorOf(await fetch(abortBare, { method: "PATCH", headers: SERVICE }))).toEqual({
        status: 401,
        code: "MISSING_SIGNATURE",
      });
    });

    test("request bodies over the limit are refused with 413 and nothing is stored", async () => {
      const before = await target.proxyStreamCount();
      const big = await create(tightUrl, `${upstream.url}/echo`, { body: "x".repeat(1001) });
      expect(await errorOf(big)).toEqual({ status: 413, code: "PAYLOAD_TOO_LARGE" });
      expect(await target.proxyStreamCount()).toBe(before);
    });

    test("a scoped token works as the service credential when it grants create on __ds/proxy", async () => {
      const granted = await signStreamToken(SECRET, {
        paths: ["__ds/proxy"],
        ops: ["create"],
        ttlSeconds: 60,
      });
      const other = await signStreamToken(SECRET, {
        paths: ["chat/**"],
        ops: ["create"],
        ttlSeconds: 60,
      });
      const withToken = (token: string) =>
        create(proxyUrl, `${upstream.url}/sse?n=1&delay=1`, {
          headers: { authorization: `Bearer ${token}` },
        });
      expect((await withToken(granted)).status).toBe(201);
      expect(await errorOf(await withToken(other))).toEqual({ status: 403, code: "FORBIDDEN" });
    });

    test("CORS preflight allows the proxy headers and methods", async () => {
      const res = await fetch(proxyUrl, {
        method: "OPTIONS",
        headers: { origin: "http://app.test", "access-control-request-method": "POST" },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get("access-control-allow-headers")).toContain("Upstream-Authorization");
      expect(res.headers.get("access-control-allow-methods")).toContain("PATCH");
    });
  });

  describe("sessions", () => {
    interface Frame {
      type: string;
      response: number;
      text?: string;
      outcome?: string;
      upstreamContentType?: string;
    }

    test("responses of one session append to one stream, each framed start/data/end", async () => {
      const session = { "proxy-session-id": "conversation-42" };
      const first = await create(proxyUrl, `${upstream.url}/sse?n=5&delay=2`, { headers: session });
      expect(first.status).toBe(201);
      expect(first.headers.get("proxy-response")).toBe("1");
      const location = first.headers.get("location")!;
      expect(location).not.toContain("conversation-42");
      // The session stream stays open between responses: wait for response 1's end frame.
      const framesOf = async () => {
        const res = await fetch(at(location, "-1"));
        return (await res.json()) as Frame[];
      };
      // As soon as a reader sees response 1's end frame, the next response is accepted.
      for (let i = 0; !(await framesOf()).some((f) => f.type === "end"); i++) {
        expect(i).toBeLessThan(400);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const second = await create(proxyUrl, `${upstream.url}/echo`, {
        headers: session,
        body: '"hi"',
      });
      expect(second.status).toBe(201);
      expect(second.headers.get("proxy-response")).toBe("2");
      expect(new URL(second.headers.get("location")!).pathname).toBe(new URL(location).pathname);
      let frames: Frame[] = [];
      for (let i = 0; frames.filter((f) => f.type === "end").length < 2; i++) {
        expect(i).toBeLessThan(400);
        frames = await framesOf();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const one = frames.filter((f) => f.response === 1);
      expect(one[0]).toEqual({
        type: "start",
        response: 1,
        upstreamContentType: "text/event-stream",
      });
      expect(one.at(-1)).toEqual({ type: "end", response: 1, outcome: "complete" });
      const textOf = (n: number) =>
        frames
          .filter((f) => f.response === n && f.type === "data")
          .map((f) => f.text)
          .join("");
      expect(textOf(1)).toBe(sseText(5));
      expect(JSON.parse(textOf(2)).body).toBe('"hi"');
      expect(frames.at(-1)).toEqual({ type: "end", response: 2, outcome: "complete" });
    });

    test("a second response while one is arriving is refused with 409", async () => {
      const session = { "proxy-session-id": "busy-session" };
      const response = upstream.controlled("busy");
      await created(create(proxyUrl, `${upstream.url}/controlled/busy`, { headers: session }));
      const again = await create(proxyUrl, `${upstream.url}/sse`, { headers: session });
      expect(await errorOf(again)).toEqual({ status: 409, code: "SESSION_BUSY" });
      response.end();
    });
  });

  describe("credentials", () => {
    test("the upstream credential and signed URLs are in no stored file and no log line", async () => {
      const files = target.storedFiles();
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) {
        expect(readFileSync(file).includes(UPSTREAM_CREDENTIAL)).toBe(false);
      }
      const logs = target.logs();
      expect(logs).toContain("proxy response ended");
      expect(logs).not.toContain(UPSTREAM_CREDENTIAL);
      expect(logs).not.toContain("signature=");
    });
  });
}

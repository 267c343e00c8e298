/** Compressed catch-up reads: each encoding round-trips, thresholds and types apply, SSE streams uncompressed. */

import { request as httpRequest } from "node:http";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { acceptedCodings } from "../src/index.js";
import { streamUrl, suiteServer } from "./helpers.js";

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A GET whose body is not decoded (fetch would decode it). */
function rawGet(url: string, headers: Record<string, string>): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

const DECODE = { gzip: gunzipSync, deflate: inflateSync, br: brotliDecompressSync } as const;

describe("compression", () => {
  const suite = suiteServer({ compression: { thresholdBytes: 256 } });
  const text = Array.from({ length: 400 }, (_, i) => `line ${i % 17} of a chatty log\n`).join("");

  test("gzip, deflate and br round-trip a catch-up read; ETags weaken and still revalidate", async () => {
    const url = streamUrl(suite.server, "z/text");
    await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" }, body: text });
    const plain = await rawGet(`${url}?offset=-1`, {});
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body.toString()).toBe(text);

    for (const coding of ["gzip", "deflate", "br"] as const) {
      const res = await rawGet(`${url}?offset=-1`, { "accept-encoding": coding });
      expect(res.status).toBe(200);
      expect(res.headers["content-encoding"]).toBe(coding);
      expect(res.headers.vary).toContain("Accept-Encoding");
      expect(res.body.length).toBeLessThan(text.length / 4);
      expect(DECODE[coding](res.body).toString()).toBe(text);
      expect(res.headers["stream-next-offset"]).toBe(plain.headers["stream-next-offset"]);
      expect(res.headers.etag).toBe(`W/${plain.headers.etag}`);
      const again = await rawGet(`${url}?offset=-1`, {
        "accept-encoding": coding,
        "if-none-match": res.headers.etag as string,
      });
      expect(again.status).toBe(304);
    }
    // The server's preference (br) when several are accepted; q=0 refuses one.
    expect(
      (await rawGet(`${url}?offset=-1`, { "accept-encoding": "gzip, deflate, br" })).headers[
        "content-encoding"
      ],
    ).toBe("br");
    expect(
      (await rawGet(`${url}?offset=-1`, { "accept-encoding": "br;q=0, gzip" })).headers[
        "content-encoding"
      ],
    ).toBe("gzip");
  });

  test("small bodies, binary streams and refused codings go out as they are", async () => {
    const small = streamUrl(suite.server, "z/small");
    await fetch(small, { method: "PUT", headers: { "content-type": "text/plain" }, body: "tiny" });
    const tiny = await rawGet(`${small}?offset=-1`, { "accept-encoding": "gzip" });
    expect(tiny.headers["content-encoding"]).toBeUndefined();
    expect(tiny.body.toString()).toBe("tiny");

    const binary = streamUrl(suite.server, "z/binary");
    await fetch(binary, {
      method: "PUT",
      headers: { "content-type": "application/octet-stream" },
      body: text,
    });
    const octets = await rawGet(`${binary}?offset=-1`, { "accept-encoding": "gzip" });
    expect(octets.headers["content-encoding"]).toBeUndefined();
    expect(octets.body.toString()).toBe(text);

    expect(acceptedCodings("identity, *;q=0").size).toBe(0);
    expect([...acceptedCodings("*")].sort()).toEqual(["br", "deflate", "gzip"]);
  });

  test("JSON catch-up reads compress; SSE is never compressed and delivers each append as it happens", async () => {
    const url = streamUrl(suite.server, "z/json");
    const messages = Array.from({ length: 50 }, (_, i) => ({ n: i, text: "hello compression" }));
    await fetch(url, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(messages),
    });
    const json = await rawGet(`${url}?offset=-1`, { "accept-encoding": "gzip" });
    expect(json.headers["content-encoding"]).toBe("gzip");
    expect(JSON.parse(gunzipSync(json.body).toString())).toEqual(messages);

    const sse = await new Promise<import("node:http").IncomingMessage>((resolve, reject) => {
      httpRequest(
        `${url}?offset=-1&live=sse`,
        { headers: { "accept-encoding": "gzip, br" } },
        resolve,
      )
        .on("error", reject)
        .end();
    });
    expect(sse.headers["content-encoding"]).toBeUndefined();
    let received = "";
    const sawLive = new Promise<void>((resolve) => {
      sse.on("data", (chunk: Buffer) => {
        received += chunk.toString();
        if (received.includes('"live-append"')) resolve();
      });
    });
    await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ n: "live-append" }),
    });
    await sawLive;
    sse.destroy();
    expect(received).toContain("event: data");
  });
});

/** create / append / read / head / close / delete / fork against a real server, through the binary. */

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli, startTestServer, tailOffset } from "./helpers.js";

let root: string;
let stop: () => Promise<void>;
let env: Record<string, string>;

beforeAll(async () => {
  ({ root, stop } = await startTestServer());
  env = { DURABLE_STREAMS_URL: root };
});
afterAll(() => stop());

const cli = (args: string[], input?: string | Uint8Array) => runCli(args, { env, input });

describe("create, append, read", () => {
  test("create prints the stream URL; appends from argument, stdin and lines read back byte for byte", async () => {
    const created = await cli(["create", "bytes/1", "--content-type", "application/octet-stream"]);
    expect(created).toMatchObject({ code: 0, stderr: "" });
    expect(created.out).toBe(`${root}/bytes/1\n`);

    // Every byte value, including invalid UTF-8 and NULs, through raw stdin.
    const binary = new Uint8Array(512).map((_, i) => (i * 7) % 256);
    expect((await cli(["append", "bytes/1"], binary)).code).toBe(0);
    expect((await cli(["append", "bytes/1", "tail-arg"])).code).toBe(0);
    expect((await cli(["append", "bytes/1", "--lines"], "l1\nl2\nno-newline")).code).toBe(0);

    const read = await cli(["read", "bytes/1"]);
    expect(read.code).toBe(0);
    const expected = Buffer.concat([
      Buffer.from(binary),
      Buffer.from("tail-arg"),
      Buffer.from("l1\nl2\nno-newline"),
    ]);
    expect(read.stdout.equals(expected)).toBe(true);
  });

  test("read --offset resumes where --print-offset said", async () => {
    await cli(["create", "resume", "--content-type", "text/plain"]);
    await cli(["append", "resume", "first;"]);
    const first = await cli(["read", "resume", "--print-offset"]);
    expect(first.out).toBe("first;");
    const offset = first.stderr.trim();
    expect(offset).toBe(await tailOffset(root, "resume"));
    await cli(["append", "resume", "second;"]);
    const rest = await cli(["read", "resume", "--offset", offset]);
    expect(rest).toMatchObject({ code: 0, out: "second;" });
  });

  test("JSON: values from the argument and NDJSON stdin read back one per line", async () => {
    expect((await cli(["create", "events", "--json"])).code).toBe(0);
    expect((await cli(["append", "events", '{"type":"a","n":1}', "--json"])).code).toBe(0);
    // An array argument is one message, not a batch.
    expect((await cli(["append", "events", "[1,2]", "--json"])).code).toBe(0);
    const lines = '{"type":"b"}\n\n  "text"  \n{"nested":{"x":[true,null]}}\n';
    expect((await cli(["append", "events", "--json"], lines)).code).toBe(0);

    const read = await cli(["read", "events"]);
    expect(read.code).toBe(0);
    expect(read.out).toBe(
      '{"type":"a","n":1}\n[1,2]\n{"type":"b"}\n"text"\n{"nested":{"x":[true,null]}}\n',
    );
  });

  test("invalid JSON is refused before anything is sent (exit 2)", async () => {
    await cli(["create", "strict", "--json"]);
    const bad = await cli(["append", "strict", "{oops", "--json"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^durastream append: invalid JSON in data: /);
    const badLine = await cli(["append", "strict", "--json"], '{"ok":1}\nnot json\n');
    expect(badLine.code).toBe(2);
    expect(badLine.stderr).toMatch(/invalid JSON in line 2/);
    // Lines before the bad one were appended; nothing after it.
    expect((await cli(["read", "strict"])).out).toBe('{"ok":1}\n');
  });

  test("empty stdin is a usage error, not an empty append", async () => {
    await cli(["create", "empty-in", "--content-type", "text/plain"]);
    const result = await cli(["append", "empty-in"], "");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("nothing to append: stdin is empty");
  });
});

describe("head", () => {
  test("prints content type, tail offset, closure and TTL; --json prints an object", async () => {
    await cli(["create", "meta", "--content-type", "text/plain", "--ttl", "3600"]);
    const before = await cli(["head", "meta"]);
    expect(before.code).toBe(0);
    expect(before.out).toContain(`url: ${root}/meta\n`);
    expect(before.out).toContain("content-type: text/plain\n");
    expect(before.out).toContain("closed: false\n");
    expect(before.out).toContain("ttl: 3600\n");
    const offsetBefore = /offset: (\S+)/.exec(before.out)![1];

    await cli(["append", "meta", "12345"]);
    const after = await cli(["head", "meta", "--json"]);
    const meta = JSON.parse(after.out) as Record<string, unknown>;
    expect(meta).toMatchObject({ url: `${root}/meta`, contentType: "text/plain", closed: false });
    expect(meta.offset).not.toBe(offsetBefore);
    expect(String(meta.offset) > String(offsetBefore)).toBe(true);
  });
});

describe("close", () => {
  test("close with final data prints the final offset; later appends fail with exit 4", async () => {
    await cli(["create", "closing", "--content-type", "text/plain"]);
    await cli(["append", "closing", "body;"]);
    const closed = await cli(["close", "closing", "the end"]);
    expect(closed.code).toBe(0);
    expect(closed.out.trim()).toBe(await tailOffset(root, "closing"));
    expect((await cli(["head", "closing"])).out).toContain("closed: true\n");
    expect((await cli(["read", "closing"])).out).toBe("body;the end");

    const append = await cli(["append", "closing", "late"]);
    expect(append.code).toBe(4);
    expect(append.stderr).toBe(
      "durastream append: stream is closed: closing — closed streams take no appends; continue on a fork: 'durastream fork <new-path> --from closing'\n",
    );
    // Closing again without data is idempotent; with data it is refused.
    expect((await cli(["close", "closing"])).code).toBe(0);
    expect((await cli(["close", "closing", "again"])).code).toBe(4);
  });

  test("JSON final message is checked and framed as one message", async () => {
    await cli(["create", "closing-json", "--json"]);
    expect((await cli(["close", "closing-json", "not-json"])).code).toBe(2);
    expect((await cli(["close", "closing-json", '{"done":true}'])).code).toBe(0);
    expect((await cli(["read", "closing-json"])).out).toBe('{"done":true}\n');
  });

  test("create --closed makes a stream that refuses appends", async () => {
    expect((await cli(["create", "born-closed", "--closed"])).code).toBe(0);
    expect((await cli(["head", "born-closed"])).out).toContain("closed: true\n");
    expect((await cli(["append", "born-closed", "x"])).code).toBe(4);
  });
});

describe("delete", () => {
  test("delete removes the stream; deleting or reading it again exits 3", async () => {
    await cli(["create", "doomed"]);
    const deleted = await cli(["delete", "doomed"]);
    expect(deleted).toMatchObject({ code: 0, out: "", stderr: "" });
    const head = await cli(["head", "doomed"]);
    expect(head.code).toBe(3);
    expect(head.stderr).toBe(
      "durastream head: stream not found: doomed — create it with 'durastream create doomed', or list streams with 'durastream ls'\n",
    );
    expect((await cli(["delete", "doomed"])).code).toBe(3);
  });
});

describe("fork", () => {
  test("a fork at an offset inherits the prefix, then diverges from its source", async () => {
    await cli(["create", "src", "--content-type", "text/plain"]);
    await cli(["append", "src", "shared;"]);
    const at = await tailOffset(root, "src");
    await cli(["append", "src", "source-only;"]);

    const fork = await cli(["fork", "branch", "--from", "src", "--offset", at]);
    expect(fork).toMatchObject({ code: 0, out: `${root}/branch\n`, stderr: "" });
    await cli(["append", "branch", "fork-only;"]);

    expect((await cli(["read", "branch"])).out).toBe("shared;fork-only;");
    expect((await cli(["read", "src"])).out).toBe("shared;source-only;");
    expect((await cli(["head", "branch"])).out).toContain("content-type: text/plain\n");
  });

  test("without --offset the fork takes the whole source; --sub-offset refines the point", async () => {
    await cli(["create", "src2", "--content-type", "text/plain"]);
    const start = await tailOffset(root, "src2");
    await cli(["append", "src2", "abcdef"]);
    expect((await cli(["fork", "whole", "--from", "src2"])).code).toBe(0);
    expect((await cli(["read", "whole"])).out).toBe("abcdef");
    expect(await tailOffset(root, "whole")).toBe(await tailOffset(root, "src2"));

    const part = await cli([
      "fork",
      "part",
      "--from",
      "src2",
      "--offset",
      start,
      "--sub-offset",
      "2",
    ]);
    expect(part.code).toBe(0);
    expect((await cli(["read", "part"])).out).toBe("ab");
  });

  test("a fork offset past the source's tail is reported as the server's bad request", async () => {
    await cli(["create", "short-src", "--content-type", "text/plain"]);
    await cli(["append", "short-src", "x"]);
    const beyond = await tailOffset(root, "bytes/1"); // a longer stream's tail
    const result = await cli(["fork", "too-far", "--from", "short-src", "--offset", beyond]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "durastream fork: bad request: Stream-Fork-Offset is beyond the source stream's tail\n",
    );
  });

  test("forking an unknown source exits 3; --from is required", async () => {
    const missing = await cli(["fork", "orphan", "--from", "no-such-source"]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toBe(
      "durastream fork: source stream not found: no-such-source — list streams with 'durastream ls'\n",
    );
    const noFrom = await cli(["fork", "orphan"]);
    expect(noFrom.code).toBe(2);
    expect(noFrom.stderr).toContain("missing --from <source>");
  });
});

/** `durastream token`: a token signed with STREAMS_SECRET that the server with that secret accepts. */

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli, startTestServer } from "./helpers.js";

const SECRET = "cli-token-secret";
let root: string;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ root, stop } = await startTestServer({ secret: SECRET }));
  const created = await fetch(`${root}/chat/1`, {
    method: "PUT",
    headers: { authorization: `Bearer ${SECRET}`, "content-type": "text/plain" },
    body: "hello",
  });
  expect(created.status).toBe(201);
});
afterAll(() => stop());

describe("durastream token", () => {
  test("prints a read token for chat/** that reads chat streams and nothing else", async () => {
    const result = await runCli(["token", "--path", "chat/**", "--ops", "read", "--ttl", "1h"], {
      env: { STREAMS_SECRET: SECRET },
    });
    expect(result).toMatchObject({ code: 0, stderr: "" });
    const token = result.out.trim();
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const auth = { authorization: `Bearer ${token}` };

    const read = await fetch(`${root}/chat/1?offset=-1`, { headers: auth });
    expect(read.status).toBe(200);
    expect(await read.text()).toBe("hello");
    const append = await fetch(`${root}/chat/1`, {
      method: "POST",
      headers: { ...auth, "content-type": "text/plain" },
      body: "nope",
    });
    expect(append.status).toBe(403);
    expect((await fetch(`${root}/other?offset=-1`, { headers: auth })).status).toBe(403);
  });

  test("usage errors: no secret, unknown operation, bad duration (exit 2)", async () => {
    const noSecret = await runCli(["token", "--path", "a", "--ops", "read"]);
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toContain("STREAMS_SECRET");
    const env = { STREAMS_SECRET: SECRET };
    const badOp = await runCli(["token", "--path", "a", "--ops", "write"], { env });
    expect(badOp.code).toBe(2);
    expect(badOp.stderr).toContain("--ops");
    const badTtl = await runCli(["token", "--path", "a", "--ops", "read", "--ttl", "soon"], {
      env,
    });
    expect(badTtl.code).toBe(2);
    expect(badTtl.stderr).toContain("--ttl");
  });
});

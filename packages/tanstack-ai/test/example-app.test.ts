/**
 * The example chat's one command (`node examples/ai-chat/main.mjs --smoke`:
 * one turn, printed): on the mock model with no key, and, with
 * OPENAI_API_KEY set, on a provider — here an OpenAI-compatible mock at
 * OPENAI_BASE_URL, so no network and no real key.
 */

import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type MockLlm, startMockLlm } from "../../../test-support/mock-llm.js";

const MAIN = fileURLToPath(new URL("../../../examples/ai-chat/main.mjs", import.meta.url));
const run = promisify(execFile);

/** The example's environment: this process's, less any provider settings of the machine. */
function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const clean = { ...process.env };
  for (const name of ["OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL", "DURABLE_STREAMS_URL"]) {
    delete clean[name];
  }
  return { ...clean, ...extra };
}

let llm: MockLlm;
beforeAll(async () => {
  llm = await startMockLlm();
});
afterAll(() => llm?.close());

it("with no key, one command answers from the mock model", async () => {
  const { stdout } = await run(process.execPath, [MAIN, "--smoke"], {
    env: env({}),
    timeout: 30_000,
  });
  expect(stdout.trim()).toMatch(/^Answer 1 to "hello": durable streams keep every token/);
  expect(llm.requests).toHaveLength(0);
});

it("with OPENAI_API_KEY set, one command answers from the provider", async () => {
  const tokens = ["Hello ", "from ", "the ", "provider."];
  llm.script({ tokens });
  const { stdout } = await run(process.execPath, [MAIN, "--smoke"], {
    env: env({ OPENAI_API_KEY: "sk-example", OPENAI_BASE_URL: llm.baseURL }),
    timeout: 30_000,
  });
  expect(stdout.trim()).toBe(tokens.join("").trim());
  expect(llm.requests).toHaveLength(1);
  expect(llm.requests[0]?.authorization).toBe("Bearer sk-example");
  expect(llm.requests[0]?.body.stream).toBe(true);
  expect(JSON.stringify(llm.requests[0]?.body.messages)).toContain("hello");
});

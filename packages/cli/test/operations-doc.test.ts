/**
 * docs/operations.md runs: every `ts` block is imported as a program and
 * prints the `text` block after it; every `sh` block is a command line that
 * works (`npx durastream token` prints a token the server accepts,
 * `npx durastream-server` flags parse).
 */

import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { parseConfig, startServer } from "@durastream/server";
import { describe, expect, test, vi } from "vitest";
import { runCli } from "./helpers.js";

const DOC = new URL("../../../docs/operations.md", import.meta.url);
const markdown = readFileSync(DOC, "utf8");

interface Block {
  readonly lang: string;
  readonly code: string;
  /** The `text` block right after this one, if any. */
  readonly output: string | undefined;
}

function blocks(text: string): Block[] {
  const found = [...text.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({
    lang: m[1]!,
    code: m[2]!,
  }));
  return found
    .map((block, i) => ({
      ...block,
      output: found[i + 1]?.lang === "text" ? found[i + 1]!.code : undefined,
    }))
    .filter((block) => block.lang !== "text");
}

/** Words of a shell command line: `NAME=value` prefixes, single- and double-quoted words. */
function shellWords(line: string): { env: Record<string, string>; argv: string[] } {
  const words = [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
  const env: Record<string, string> = {};
  while (words.length > 0 && /^[A-Z_]+=/.test(words[0]!)) {
    const [name, ...value] = words.shift()!.split("=");
    env[name!] = value.join("=");
  }
  return { env, argv: words };
}

const all = blocks(markdown);

describe("docs/operations.md", () => {
  test("has programs and command lines", () => {
    expect(all.filter((b) => b.lang === "ts").length).toBeGreaterThanOrEqual(5);
    expect(all.filter((b) => b.lang === "sh").length).toBeGreaterThanOrEqual(3);
  });

  all.forEach((block, i) => {
    if (block.lang === "ts") {
      test(`program ${i + 1} prints what the document says`, async () => {
        expect(block.output).toBeDefined();
        const file = new URL(`./.operations-doc-${i}.generated.ts`, import.meta.url);
        writeFileSync(file, block.code);
        const log = vi.spyOn(console, "log").mockImplementation(() => {});
        try {
          await import(/* @vite-ignore */ file.href);
          const lines = log.mock.calls.map((args) => args.map(String).join(" "));
          expect(lines.join("\n")).toBe(block.output!.trimEnd());
        } finally {
          log.mockRestore();
          rmSync(file, { force: true });
        }
      });
    } else if (block.lang === "sh") {
      test(`command line ${i + 1} works: ${block.code.trim().slice(0, 60)}`, async () => {
        const { env, argv: words } = shellWords(block.code.trim());
        // The docs run commands through npx (as written from a clone or an install).
        expect(words[0]).toBe("npx");
        const [program, ...args] = words.slice(1);
        if (program === "durastream-server") {
          const parsed = parseConfig(args, env);
          expect(parsed.help).toBe(false);
          return;
        }
        expect(program).toBe("durastream");
        expect(args[0]).toBe("token");
        const printed = await runCli(args, { env });
        expect(printed).toMatchObject({ code: 0, stderr: "" });
        const token = printed.out.trim();
        expect(block.output).toBeDefined();
        expect(token.startsWith(block.output!.trim().replace(/…$/, ""))).toBe(true);
        // The server started with the same secret accepts it.
        const server = await startServer({
          port: 0,
          memory: true,
          secret: env.STREAMS_SECRET!,
        });
        try {
          const admin = { authorization: `Bearer ${env.STREAMS_SECRET}` };
          await fetch(`${server.url}/v1/stream/chat/1`, { method: "PUT", headers: admin });
          const read = await fetch(`${server.url}/v1/stream/chat/1?offset=-1`, {
            headers: { authorization: `Bearer ${token}` },
          });
          expect(read.status).toBe(200);
        } finally {
          await server.close();
        }
      });
    }
  });
});

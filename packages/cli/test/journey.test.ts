/**
 * A user's session with the built `durastream` binary, run twice: in pipe
 * mode (scripts, CI) and in a pseudo-terminal (a person at a shell). A real
 * server runs as a spawned `durastream serve`; every command is its own
 * process, started through the committed launcher the bin link points at.
 *
 * create → append (argument, stdin, --file) → read → read -f with a
 * concurrent append → fork → close → read shows EOF → delete → ls.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from "vitest";
import { runInPty } from "../../../test-support/pty.js";

const LAUNCHER = join(dirname(fileURLToPath(import.meta.url)), "..", "bin", "durastream.js");
const ESC = "\u001b[";

let work: string;
let server: ChildProcess;
let root: string;

/** Environment of every command: the server's root, no inherited secrets or colour settings. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env, DURABLE_STREAMS_URL: root };
  for (const name of ["STREAMS_SECRET", "DURABLE_STREAMS_SECRET", "NO_COLOR", "FORCE_COLOR"]) {
    delete base[name];
  }
  return { ...base, ...extra };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "durastream-journey-"));
  server = spawn(process.execPath, [LAUNCHER, "serve", "--port", "0", "--data-dir", work], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  root = await new Promise<string>((resolve, reject) => {
    let out = "";
    server.stdout!.setEncoding("utf8");
    server.stdout!.on("data", (text: string) => {
      out += text;
      const match = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (match) resolve(`${match[1]}/v1/stream`);
    });
    server.once("exit", () => reject(new Error(`durastream serve exited:\n${out}`)));
  });
});

afterAll(async () => {
  const exited = new Promise((resolve) => server.once("exit", resolve));
  server.kill("SIGTERM");
  await exited;
  rmSync(work, { recursive: true, force: true });
});

/** What one command printed and how it exited. */
interface Outcome {
  readonly code: number | null;
  /** stdout (pipe mode) or everything the terminal showed (pty mode). */
  readonly out: string;
  /** stderr in pipe mode; "" in pty mode, where it is part of `out`. */
  readonly err: string;
}

/** Runs one command in a pipe: stdin from `input`, stdout and stderr captured apart. */
function inPipe(args: string[], input = "", extra: Record<string, string> = {}): Promise<Outcome> {
  const child = spawn(process.execPath, [LAUNCHER, ...args], {
    cwd: work,
    env: env(extra),
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stdout.on("data", (text: string) => {
    out += text;
  });
  child.stderr.on("data", (text: string) => {
    err += text;
  });
  child.stdin.end(input);
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, out, err })));
}

/** Runs one command in a pseudo-terminal. */
async function inPty(args: string[], extra: Record<string, string> = {}): Promise<Outcome> {
  const pty = runInPty([process.execPath, LAUNCHER, ...args], { env: env(extra), cwd: work });
  const code = await pty.exited;
  return { code, out: pty.output(), err: "" };
}

/** `read -f` running in the background, in either mode. */
function follow(path: string, mode: "pipe" | "pty") {
  if (mode === "pty") {
    const pty = runInPty([process.execPath, LAUNCHER, "read", "-f", path], {
      env: env(),
      cwd: work,
    });
    onTestFinished(() => pty.kill("SIGKILL")); // on failure: leave no follower behind
    return { waitFor: (re: RegExp) => pty.waitFor(re), output: pty.output, exited: pty.exited };
  }
  const child = spawn(process.execPath, [LAUNCHER, "read", "-f", path], {
    cwd: work,
    env: env(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  onTestFinished(() => {
    child.kill("SIGKILL");
  });
  let out = "";
  const listeners = new Set<() => void>();
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (text: string) => {
    out += text;
    for (const listener of listeners) listener();
  });
  const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
  return {
    output: () => out,
    exited,
    waitFor: (re: RegExp) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (re.test(out)) {
            listeners.delete(check);
            resolve();
          }
        };
        listeners.add(check);
        check();
      }),
  };
}

describe.each(["pipe", "pty"] as const)("a session in %s mode", (mode) => {
  const run = (args: string[], input = "") => (mode === "pipe" ? inPipe(args, input) : inPty(args));
  const p = (name: string) => `${mode}/${name}`;

  test("create, append, read, follow, fork, close, delete, ls", async () => {
    const notes = p("notes");
    const draft = p("draft");

    const created = await run(["create", notes, "--content-type", "text/plain"]);
    expect(created.code).toBe(0);
    expect(created.out).toContain(`${root}/${notes}`);

    expect((await run(["append", notes, "one\n"])).code).toBe(0);
    if (mode === "pipe") {
      expect(await run(["append", notes], "two\n")).toEqual({ code: 0, out: "", err: "" });
    } else {
      // On a terminal there is nothing to read from stdin: say so instead of waiting.
      const noData = await run(["append", notes]);
      expect(noData.code).toBe(2);
      expect(noData.out).toContain("no data: pass it as an argument or pipe it to stdin");
      expect((await run(["append", notes, "two\n"])).code).toBe(0);
    }
    const file = join(work, `${mode}-three.txt`);
    writeFileSync(file, `three\n${"x".repeat(200_000)}\n`);
    const sent = await run(["append", notes, "--file", file]);
    expect(sent.code).toBe(0);
    if (mode === "pty") {
      expect(sent.out).toMatch(/100% \| 195 KiB\/195 KiB \| .+\/s/);
    } else {
      expect(sent).toEqual({ code: 0, out: "", err: "" }); // no progress bar in a pipe
    }

    const read = await run(["read", notes]);
    expect(read.code).toBe(0);
    expect(read.out).toContain(`one\ntwo\nthree\n${"x".repeat(200_000)}\n`);

    const live = follow(notes, mode);
    // The long line ends in the only "x\n" of the stream.
    await live.waitFor(/x\n/);
    expect((await run(["append", notes, "four\n"])).code).toBe(0);
    await live.waitFor(/four\n/);

    const forked = await run(["fork", draft, "--from", notes]);
    expect(forked.code).toBe(0);
    expect((await run(["append", draft, "alt\n"])).code).toBe(0);
    expect((await run(["read", draft])).out).toMatch(/four\nalt\n$/);

    expect((await run(["close", notes, "end\n"])).code).toBe(0);
    expect(await live.exited).toBe(0); // the follower saw the closure and stopped
    expect(live.output()).toMatch(/four\nend\n$/);

    const eof = await run(["read", notes, "--print-offset"]);
    expect(eof.code).toBe(0);
    expect(eof.out).toMatch(/four\nend\n/);
    const head = await run(["head", notes]);
    expect(head.out).toContain("closed: true");
    const late = await run(["append", notes, "late"]);
    expect(late.code).toBe(4);
    expect(late.out + late.err).toContain(`stream is closed: ${notes} — `);

    const listed = await run(["ls", `${mode}/`]);
    expect(listed.code).toBe(0);
    if (mode === "pipe") {
      expect(listed.out).toBe(`${draft}\n${notes}\n`);
      const json = await run(["ls", `${mode}/`, "--json"]);
      const entries = json.out
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line));
      expect(entries.map((e) => [e.path, e.closed, e.forkedFrom?.path ?? null])).toEqual([
        [draft, false, notes],
        [notes, true, null],
      ]);
    } else {
      expect(listed.out).toMatch(/path.*type.*size.*state/);
      expect(listed.out).toMatch(new RegExp(`${draft}.*text/plain.*open.*${notes}`));
      expect(listed.out).toContain("2 streams");
    }

    expect((await run(["delete", draft])).code).toBe(0);
    expect((await run(["delete", notes])).code).toBe(0);
    const gone = await run(["read", notes]);
    expect(gone.code).toBe(3);
    const empty = await run(["ls", `${mode}/`]);
    expect(empty.code).toBe(0);
    if (mode === "pipe") expect(empty.out).toBe("");
    else expect(empty.out).toContain(`no streams under ${mode}/`);
  }, 60_000);
});

describe("colours", () => {
  test("errors are red on a terminal, plain with NO_COLOR and in a pipe", async () => {
    const tty = await inPty(["read", "colour/none"]);
    expect(tty.code).toBe(3);
    expect(tty.out).toContain(`${ESC}31mdurastream read:`);
    const noColor = await inPty(["read", "colour/none"], { NO_COLOR: "1" });
    expect(noColor.out).not.toContain(ESC);
    expect(noColor.out).toContain("durastream read: stream not found: colour/none — ");
    const piped = await inPipe(["read", "colour/none"]);
    expect(piped.err).not.toContain(ESC);
  });

  test("--verbose adds the server's answer below the one-line error", async () => {
    const piped = await inPipe(["read", "colour/none", "--verbose"]);
    const lines = piped.err.trim().split("\n");
    expect(lines[0]).toMatch(/^durastream read: stream not found: colour\/none — create it/);
    expect(piped.err).toContain('"code":"STREAM_NOT_FOUND"');
  });
});

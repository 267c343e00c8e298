/**
 * How load-client child processes talk to the orchestrator: arguments as one
 * JSON command-line argument, events as JSON lines on stdout, commands as
 * lines on stdin.
 */

import { createInterface } from "node:readline";

export function clientArguments<T>(): T {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error("missing JSON arguments");
  return JSON.parse(raw) as T;
}

export function emit(event: string, data: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ event, ...data })}\n`);
}

/** Resolves when the orchestrator sends `command` on stdin (or stdin closes). */
export function commandReceived(command: string): Promise<void> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: process.stdin });
    lines.on("line", (line) => {
      if (line.trim() === command) resolve();
    });
    lines.on("close", () => resolve());
  });
}

/** Runs a client's main, reporting a crash as an event so the orchestrator can show it. */
export function runClient(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      emit("error", { message: (error as Error).message ?? String(error) });
      process.exit(1);
    },
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

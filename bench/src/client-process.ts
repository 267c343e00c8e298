/** Runs a load client (bench/dist/clients/<name>.js) in its own process. */

import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { registerPending } from "./pending-work.js";

export interface ClientEvent {
  readonly event: string;
  readonly [field: string]: unknown;
}

/** Longest argument text quoted when describing a stuck client. */
const DESCRIBED_ARGS_CHARS = 160;

export class ClientProcess {
  readonly #name: string;
  readonly #child: ChildProcess;
  readonly #events: ClientEvent[] = [];
  readonly #waiters = new Set<() => void>();
  /** Events awaited right now, for the description of a stuck run. */
  readonly #awaited = new Map<string, number>();
  readonly #started = performance.now();
  readonly #argsText: string;
  #exitCode: number | null | undefined;

  private constructor(name: string, argsText: string, child: ChildProcess) {
    this.#name = name;
    this.#argsText = argsText;
    this.#child = child;
    const unregister = registerPending({
      describe: () => this.#describe(),
      abandon: () => this.kill(),
    });
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (!line.startsWith("{")) return;
      this.#events.push(JSON.parse(line) as ClientEvent);
      this.#wake();
    });
    child.once("exit", (code) => {
      unregister();
      this.#exitCode = code;
      this.#wake();
    });
  }

  /** Spawns bench/dist/clients/<name>.js. */
  static spawn(name: string, args: object): ClientProcess {
    const script = new URL(`./clients/${name}.js`, import.meta.url).pathname;
    return ClientProcess.spawnScript(script, name, args);
  }

  /** Spawns `script` (a client speaking client-protocol.ts) under `name`. */
  static spawnScript(script: string, name: string, args: object): ClientProcess {
    const argsText = JSON.stringify(args);
    const child = spawn(process.execPath, [script, argsText], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    return new ClientProcess(name, argsText, child);
  }

  #wake(): void {
    for (const waiter of this.#waiters) waiter();
  }

  #describe(): string {
    const args =
      this.#argsText.length > DESCRIBED_ARGS_CHARS
        ? `${this.#argsText.slice(0, DESCRIBED_ARGS_CHARS)}…`
        : this.#argsText;
    const seconds = ((performance.now() - this.#started) / 1000).toFixed(0);
    const awaited = [...this.#awaited.keys()].map((e) => `"${e}"`).join(", ") || "nothing yet";
    const last = this.#events.at(-1)?.event;
    return `client ${this.#name} ${args} (pid ${this.#child.pid}, running ${seconds} s) awaited for ${awaited}, last event ${last ? `"${last}"` : "none"}`;
  }

  /** Resolves with the first event of that type; rejects on timeout, crash or exit. */
  waitFor(event: string, timeoutMs: number): Promise<ClientEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.#events.find((e) => e.event === event);
        const crash = this.#events.find((e) => e.event === "error");
        if (found) done(() => resolve(found));
        else if (crash) done(() => reject(new Error(`${this.#name}: ${String(crash.message)}`)));
        else if (this.#exitCode !== undefined)
          done(() =>
            reject(new Error(`${this.#name} exited (code ${this.#exitCode}) before "${event}"`)),
          );
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`${this.#name}: no "${event}" within ${timeoutMs} ms`))),
        timeoutMs,
      );
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        const count = (this.#awaited.get(event) ?? 1) - 1;
        if (count > 0) this.#awaited.set(event, count);
        else this.#awaited.delete(event);
        settle();
      };
      this.#awaited.set(event, (this.#awaited.get(event) ?? 0) + 1);
      this.#waiters.add(check);
      check();
    });
  }

  send(command: string): void {
    this.#child.stdin?.write(`${command}\n`);
  }

  /** Whether the process has exited. */
  get exited(): boolean {
    return this.#exitCode !== undefined;
  }

  kill(): void {
    if (this.#exitCode === undefined) this.#child.kill("SIGKILL");
  }
}

/** Spawns a client, waits for its "result" event, and makes sure it is gone afterwards. */
export async function runClientToResult(
  name: string,
  args: object,
  timeoutMs: number,
): Promise<ClientEvent> {
  const client = ClientProcess.spawn(name, args);
  try {
    return await client.waitFor("result", timeoutMs);
  } finally {
    client.kill();
  }
}

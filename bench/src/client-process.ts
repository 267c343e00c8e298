/** Runs a load client (bench/dist/clients/<name>.js) in its own process. */

import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

export interface ClientEvent {
  readonly event: string;
  readonly [field: string]: unknown;
}

export class ClientProcess {
  readonly #name: string;
  readonly #child: ChildProcess;
  readonly #events: ClientEvent[] = [];
  readonly #waiters = new Set<() => void>();
  #exitCode: number | null | undefined;

  private constructor(name: string, child: ChildProcess) {
    this.#name = name;
    this.#child = child;
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (!line.startsWith("{")) return;
      this.#events.push(JSON.parse(line) as ClientEvent);
      this.#wake();
    });
    child.once("exit", (code) => {
      this.#exitCode = code;
      this.#wake();
    });
  }

  static spawn(name: string, args: object): ClientProcess {
    const script = new URL(`./clients/${name}.js`, import.meta.url).pathname;
    const child = spawn(process.execPath, [script, JSON.stringify(args)], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    return new ClientProcess(name, child);
  }

  #wake(): void {
    for (const waiter of this.#waiters) waiter();
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
        settle();
      };
      this.#waiters.add(check);
      check();
    });
  }

  send(command: string): void {
    this.#child.stdin?.write(`${command}\n`);
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

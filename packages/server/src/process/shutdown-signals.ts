/**
 * When a server process should shut down: on SIGINT (Ctrl-C), SIGTERM (a
 * process manager, `kill`), SIGHUP (its terminal closed), and when the npm
 * process that launched it (`npx`, `npm start`, `npm exec`) has gone.
 *
 * Why the last one: `npx durastream-server` runs npm, which runs `sh -c`,
 * which runs node. A SIGTERM to npm ends npm and the shell but never reaches
 * node, which would keep serving as an orphan. Launched by npm (npm sets
 * `npm_command` in its children's environment), the server watches its parent
 * and shuts down when it is replaced. Launched any other way (a service
 * manager, `nohup … &`) it does not: outliving the shell is then intended.
 */

/** What ended the process: a signal name, or `"parent exited"`. */
export type ShutdownReason = NodeJS.Signals | "parent exited";

/** Signals that stop the server cleanly. */
export const SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** How often the parent is checked when watched (ms). */
const PARENT_POLL_MS = 250;

function ignoreLostOutput(error: NodeJS.ErrnoException): void {
  if (error.code !== "EIO" && error.code !== "EPIPE") throw error;
}

/** Options of `onShutdown`. */
export interface OnShutdownOptions {
  /** Environment that tells whether npm launched the process. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Calls `stop` once, with the reason, on the first shutdown signal or when an
 * npm parent exits. Returns a function that removes the handlers again.
 */
export function onShutdown(
  stop: (reason: ShutdownReason) => void,
  options: OnShutdownOptions = {},
): () => void {
  let fired = false;
  const fire = (reason: ShutdownReason) => {
    if (fired) return;
    fired = true;
    // A closed terminal (SIGHUP) or a gone pipe reader fails every later
    // write with EIO/EPIPE; that must not crash the shutdown before the
    // database is closed.
    for (const output of [process.stdout, process.stderr]) output.on("error", ignoreLostOutput);
    stop(reason);
  };
  const handlers = SHUTDOWN_SIGNALS.map((signal) => {
    const handler = () => fire(signal);
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  const env = options.env ?? process.env;
  let timer: NodeJS.Timeout | undefined;
  if (env.npm_command !== undefined) {
    const parent = process.ppid;
    timer = setInterval(() => {
      if (process.ppid !== parent) fire("parent exited");
    }, PARENT_POLL_MS);
    // The watch alone must not keep the process alive.
    timer.unref();
  }
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
    if (timer !== undefined) clearInterval(timer);
  };
}

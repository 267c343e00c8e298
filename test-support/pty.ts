/**
 * Runs a command in a pseudo-terminal, as a person at a terminal would,
 * through util-linux `script` (no native module needed). stdin, stdout and
 * stderr of the command are the terminal; everything it prints arrives on
 * `output` (with CR LF line ends, as a terminal shows them).
 */

import { type ChildProcess, spawn } from "node:child_process";

/** A command running in a pseudo-terminal. */
export interface PtyProcess {
  readonly child: ChildProcess;
  /** Everything printed so far, CR LF turned into LF. */
  output(): string;
  /**
   * Resolves once the output, with terminal escape sequences (colours,
   * cursor moves) removed, matches `pattern`; rejects if the command exits first.
   */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Resolves with the command's exit code once it ends. */
  readonly exited: Promise<number | null>;
  /** Sends `signal` to the command and to `script` (their process group). */
  kill(signal?: NodeJS.Signals): void;
}

/** `text` without ANSI escape sequences. */
export function stripEscapes(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escape sequences are what we remove
  return text.replace(/\u001b(\[[0-9;?]*[A-Za-z]|[78])/g, "");
}

function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", "'\\''")}'`;
}

/** Starts `argv` in a pseudo-terminal `columns` wide. */
export function runInPty(
  argv: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; columns?: number } = {},
): PtyProcess {
  const command = `stty cols ${options.columns ?? 120} 2>/dev/null; exec ${argv.map(shellQuote).join(" ")}`;
  // -q: no "Script started" lines; -e: exit with the command's code; -f: flush at once.
  const child = spawn("script", ["-qefc", command, "/dev/null"], {
    env: { ...process.env, ...options.env },
    cwd: options.cwd,
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
  });
  let text = "";
  const listeners = new Set<() => void>();
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => {
    text += chunk.replaceAll("\r\n", "\n");
    for (const listener of listeners) listener();
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      for (const listener of listeners) listener();
      resolve(code);
    });
  });
  return {
    child,
    output: () => text,
    exited,
    waitFor(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(stripEscapes(text));
          if (match) {
            listeners.delete(check);
            resolve(match);
          } else if (child.exitCode !== null) {
            listeners.delete(check);
            reject(new Error(`exited before printing ${pattern}:\n${text}`));
          }
        };
        listeners.add(check);
        check();
      });
    },
    kill(signal = "SIGTERM") {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // Already gone.
      }
    },
  };
}

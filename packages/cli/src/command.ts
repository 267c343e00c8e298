/** The shape of one `durastream` command. */

import type { Io } from "./io.js";

/** A subcommand: its name, one-line summary, `--help` text and implementation. */
export interface Command {
  /** The word after `durastream`, e.g. `append`. */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Full `--help` text. */
  readonly usage: string;
  /** Runs the command with the arguments after its name; resolves to the exit code. */
  run(argv: string[], io: Io): Promise<number>;
}

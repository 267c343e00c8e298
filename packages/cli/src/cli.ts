/** The `durastream` dispatcher: picks the command, runs it, reports failures. */

import { createRequire } from "node:module";
import { isVerbose, splitGlobalFlags } from "./args.js";
import type { Command } from "./command.js";
import { appendCommand } from "./commands/append.js";
import { closeCommand } from "./commands/close.js";
import { createCommand } from "./commands/create.js";
import { deleteCommand } from "./commands/delete.js";
import { forkCommand } from "./commands/fork.js";
import { headCommand } from "./commands/head.js";
import { lsCommand } from "./commands/ls.js";
import { readCommand } from "./commands/read.js";
import { serveCommand } from "./commands/serve.js";
import { stateCommand } from "./commands/state.js";
import { tailCommand } from "./commands/tail.js";
import { tokenCommand } from "./commands/token.js";
import {
  CliError,
  describeFailure,
  ExitCode,
  HelpRequested,
  UsageError,
  verboseDetail,
} from "./errors.js";
import { type Io, write } from "./io.js";
import { colorsFor } from "./style.js";

/** Every command, in the order `durastream --help` lists them. */
export const COMMANDS: readonly Command[] = [
  serveCommand,
  lsCommand,
  createCommand,
  appendCommand,
  readCommand,
  tailCommand,
  headCommand,
  closeCommand,
  deleteCommand,
  forkCommand,
  stateCommand,
  tokenCommand,
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const list = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n");
  return `Usage: durastream <command> [options]

Commands:
${list}

Run 'durastream <command> --help' for a command's options.

Global options (before or after the command):
  --url <url>       stream root (env DURABLE_STREAMS_URL; default
                    http://localhost:4437/v1/stream)
  --token <secret>  bearer secret (env STREAMS_SECRET, DURABLE_STREAMS_SECRET)
  --verbose         on failure, print the details behind the one-line error
  -h, --help        show this help
  -v, --version     print the version

Colours are used only on a terminal, never with NO_COLOR set.`;
}

function version(): string {
  const require = createRequire(import.meta.url);
  return (require("../package.json") as { version: string }).version;
}

/**
 * Runs `durastream` with `argv` (the arguments after the program name) and
 * resolves to the process exit code. Errors are printed on `io.stderr` as one
 * short line, `durastream: <message>`.
 */
export async function run(argv: string[], io: Io): Promise<number> {
  const { globals, rest: commandArgv } = splitGlobalFlags(argv);
  const [name, ...commandRest] = commandArgv;
  const rest = [...commandRest, ...globals];
  if (name === undefined || name === "-h" || name === "--help") {
    await write(name === undefined ? io.stderr : io.stdout, `${usage()}\n`);
    return name === undefined ? ExitCode.USAGE : ExitCode.OK;
  }
  if (name === "-v" || name === "--version") {
    await write(io.stdout, `${version()}\n`);
    return ExitCode.OK;
  }
  if (name === "help") {
    const command = COMMANDS.find((c) => c.name === rest[0]);
    if (command) return runCommand(command, ["--help"], io);
    await write(io.stdout, `${usage()}\n`);
    return ExitCode.OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    const red = colorsFor(io.stderr, io.env).red;
    await write(
      io.stderr,
      `${red("durastream:")} unknown command '${name}' — see 'durastream --help' for the commands\n`,
    );
    return ExitCode.USAGE;
  }
  return runCommand(command, rest, io);
}

/** Runs one command; prints its usage on `--help` and its failure as one line. */
async function runCommand(command: Command, argv: string[], io: Io): Promise<number> {
  try {
    return await command.run(argv, io);
  } catch (error) {
    if (error instanceof HelpRequested) {
      await write(io.stdout, `${command.usage}\n`);
      return ExitCode.OK;
    }
    const failure =
      error instanceof CliError
        ? error
        : describeFailure(error, { path: argv[0] ?? "", root: "", authenticated: false });
    if (io.signal.aborted && failure.exitCode !== ExitCode.USAGE) return ExitCode.INTERRUPTED;
    const hint =
      failure.hint ??
      (failure instanceof UsageError ? `see 'durastream ${command.name} --help'` : undefined);
    const red = colorsFor(io.stderr, io.env).red;
    let text = `${red(`durastream ${command.name}:`)} ${failure.message}`;
    text += hint === undefined ? "\n" : ` — ${hint}\n`;
    if (isVerbose(argv)) {
      const detail = verboseDetail(failure);
      if (detail !== "") text += `${detail}\n`;
    }
    await write(io.stderr, text);
    return failure.exitCode;
  }
}

/** Flag parsing for commands: node:util parseArgs with short, user-facing errors. */

import { type ParseArgsConfig, parseArgs } from "node:util";
import { HelpRequested, UsageError } from "./errors.js";

/** Option definitions of a command (the `options` of node:util `parseArgs`). */
export type OptionsConfig = NonNullable<ParseArgsConfig["options"]>;

type ParseConfig<T extends OptionsConfig> = {
  args: string[];
  options: T;
  allowPositionals: true;
  strict: true;
};

/** A command's parsed flags and positionals. */
export interface ParsedCommand<T extends OptionsConfig> {
  readonly values: ReturnType<typeof parseArgs<ParseConfig<T>>>["values"];
  readonly positionals: string[];
}

/** Flags every stream command accepts (also before the command name). */
export const COMMON_OPTIONS = {
  url: { type: "string" },
  token: { type: "string" },
  verbose: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies OptionsConfig;

/** Global flags that take a value. */
const GLOBAL_VALUE_FLAGS = new Set(["--url", "--token"]);

/**
 * Splits `durastream --url X --verbose ls` into the global flags given before
 * the command name and the rest (command name first).
 */
export function splitGlobalFlags(argv: string[]): { globals: string[]; rest: string[] } {
  const globals: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = arg.split("=")[0]!;
    if (arg === "--verbose") globals.push(arg);
    else if (GLOBAL_VALUE_FLAGS.has(name) && arg.includes("=")) globals.push(arg);
    else if (GLOBAL_VALUE_FLAGS.has(arg) && i + 1 < argv.length) globals.push(arg, argv[++i]!);
    else break;
  }
  return { globals, rest: argv.slice(i) };
}

/** Whether `--verbose` was given (before any `--`). */
export function isVerbose(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end === -1 ? argv : argv.slice(0, end)).includes("--verbose");
}

/**
 * Rewrites `--name value` as `--name=value` for string options, so values that
 * start with a dash (`--offset -1`) are taken as values, not as flags.
 */
export function joinStringValues(argv: string[], options: OptionsConfig): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      out.push(...argv.slice(i));
      break;
    }
    const name = arg.startsWith("--") && !arg.includes("=") ? arg.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === "string" && i + 1 < argv.length) {
      out.push(`${arg}=${argv[++i]}`);
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** Shortens a node:util parseArgs error to its first sentence. */
export function parseArgsMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split(/\.\s/)[0]!.replace(/\.$/, "");
  return first.charAt(0).toLowerCase() + first.slice(1);
}

/**
 * Parses a command's flags and positionals (strict: unknown flags are usage errors).
 * Checks the positional count against `min`/`max`; throws `HelpRequested`
 * when `--help` was given.
 */
export function parseCommandArgs<const T extends OptionsConfig>(
  argv: string[],
  options: T,
  positionals: { min: number; max: number; names: string },
): ParsedCommand<T> {
  let parsed: ReturnType<typeof parseArgs<ParseConfig<T>>>;
  try {
    parsed = parseArgs({
      args: joinStringValues(argv, options),
      options,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(parseArgsMessage(error));
  }
  if ((parsed.values as { help?: boolean }).help === true) throw new HelpRequested();
  const count = parsed.positionals.length;
  if (count < positionals.min) throw new UsageError(`missing ${positionals.names}`);
  if (count > positionals.max) {
    throw new UsageError(`unexpected argument: ${parsed.positionals[positionals.max]}`);
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

/**
 * Parses a command whose operands are one `<path>` and, when `extra` names
 * it, one optional value after it (`close <path> [body]`).
 */
export function parsePathCommand<const T extends OptionsConfig>(
  argv: string[],
  options: T,
  extra?: "optional value",
): { values: ParsedCommand<T>["values"]; path: string; value: string | undefined } {
  const { values, positionals } = parseCommandArgs(argv, options, {
    min: 1,
    max: extra ? 2 : 1,
    names: "<path>",
  });
  return { values, path: positionals[0]!, value: positionals[1] };
}

/** Parses a non-negative integer flag value; usage error otherwise. */
export function nonNegativeInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) {
    throw new UsageError(`${flag} must be a non-negative integer, got "${value}"`);
  }
  return Number(value);
}

/** Checks that a flag value is an RFC 3339 timestamp; usage error otherwise. */
export function timestamp(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
  if (!rfc3339.test(value) || Number.isNaN(Date.parse(value))) {
    throw new UsageError(`${flag} must be an RFC 3339 timestamp, got "${value}"`);
  }
  return value;
}

/** Parses `text` as JSON; usage error naming `what` otherwise. */
export function checkJson(text: string, what: string): void {
  try {
    JSON.parse(text);
  } catch (error) {
    throw new UsageError(`invalid JSON in ${what}: ${(error as Error).message}`);
  }
}

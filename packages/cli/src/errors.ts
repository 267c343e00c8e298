/** Exit codes and the short messages a failed command prints on stderr. */

import { DurableStreamError, StreamClosedError } from "@durastream/client";

/** Process exit codes of `durastream`. */
export const ExitCode = {
  /** The command did what it was asked. */
  OK: 0,
  /** The server refused the request, or could not be reached. */
  FAILURE: 1,
  /** Bad flags, arguments or input: nothing was sent. */
  USAGE: 2,
  /** The stream (or a fork's source) does not exist, or was deleted. */
  NOT_FOUND: 3,
  /** Conflict: the stream exists with another configuration, or is closed. */
  CONFLICT: 4,
  /** Stopped by SIGINT/SIGTERM. */
  INTERRUPTED: 130,
} as const;

/**
 * An error whose message is ready for the user, with the exit code to leave
 * with. Printed as one line: the problem, then (after " — ") how to fix it.
 */
export class CliError extends Error {
  readonly exitCode: number;
  /** What to do about it, e.g. "create it with 'durastream create x'". */
  readonly hint: string | undefined;
  /** The underlying failure, printed with `--verbose`. */
  readonly detail: unknown;

  constructor(
    message: string,
    exitCode: number = ExitCode.FAILURE,
    hint?: string,
    detail?: unknown,
  ) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
    this.hint = hint;
    this.detail = detail;
  }
}

/** Bad flags or arguments: the command's `--help` explains what it takes. */
export class UsageError extends CliError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.USAGE, hint);
    this.name = "UsageError";
  }
}

/** The stream at `path` does not exist. */
export function streamNotFound(path: string, detail?: unknown): CliError {
  return new CliError(
    `stream not found: ${path}`,
    ExitCode.NOT_FOUND,
    `create it with 'durastream create ${path}', or list streams with 'durastream ls'`,
    detail,
  );
}

/**
 * A read's `--offset` the server refused (400 INVALID_OFFSET) as a usage
 * error, exit 2, as the exit-code table says: only the server can tell a
 * well-formed token from a wrong one, but it is still the caller's argument.
 * Anything else is left to {@link describeFailure}.
 */
export function readOffsetFailure(error: unknown): CliError | undefined {
  if (!(error instanceof DurableStreamError) || error.status !== 400) return undefined;
  if (serverCode(error) !== "INVALID_OFFSET") return undefined;
  return new CliError(
    `invalid offset: ${serverMessage(error)}`,
    ExitCode.USAGE,
    "use -1 (the beginning), now, or an offset printed by head, close or --print-offset",
    error,
  );
}

/** `--verbose` text: the failure behind a one-line error (server body, causes, stack). */
export function verboseDetail(error: unknown): string {
  const lines: string[] = [];
  let current: unknown = error instanceof CliError ? error.detail : error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (current instanceof DurableStreamError) {
      lines.push(
        `${current.name} ${current.code} (HTTP ${current.status ?? "-"}): ${current.message}`,
      );
      if (current.details !== undefined)
        lines.push(`  response: ${JSON.stringify(current.details)}`);
    } else if (current instanceof Error) {
      lines.push(current.stack ?? `${current.name}: ${current.message}`);
    } else {
      lines.push(String(current));
    }
    current = current instanceof Error ? current.cause : undefined;
    if (current !== undefined) lines.push("caused by:");
  }
  return lines.join("\n");
}

/**
 * Thrown by argument parsing when `--help` was given: the dispatcher prints
 * the command's usage and exits 0, so no command handles help itself.
 */
export class HelpRequested extends Error {
  constructor() {
    super("help requested");
    this.name = "HelpRequested";
  }
}

/** What the request was about, for messages: the stream path, and the server root. */
export interface FailureSubject {
  /** The stream path (or URL) the user named. */
  readonly path: string;
  /** The stream-root URL requests went to. */
  readonly root: string;
  /** Whether a bearer secret was sent. */
  readonly authenticated: boolean;
}

/** The `{ error: { code, message } }` body of a durastream error response, if any. */
function serverError(details: unknown): { code?: string; message?: string } {
  if (typeof details === "string") return { message: details.trim() || undefined };
  if (details && typeof details === "object") {
    const error = (details as { error?: unknown }).error;
    if (error && typeof error === "object") {
      const { code, message } = error as { code?: unknown; message?: unknown };
      return {
        code: typeof code === "string" ? code : undefined,
        message: typeof message === "string" ? message : undefined,
      };
    }
    if (typeof error === "string") return { message: error };
  }
  return {};
}

/** The server's own explanation of a failed response, or its status line. */
export function serverMessage(error: DurableStreamError): string {
  return serverError(error.details).message ?? `HTTP ${error.status ?? "error"}`;
}

/** The machine-readable error code of the server's response body, if any. */
export function serverCode(error: DurableStreamError): string | undefined {
  return serverError(error.details).code;
}

function networkCause(error: unknown): string | undefined {
  if (!(error instanceof TypeError)) return undefined;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (!cause) return error.message === "fetch failed" ? error.message : undefined;
  if (typeof cause.code === "string") return cause.code;
  if (typeof cause.message === "string") return cause.message;
  return error.message;
}

/**
 * Turns whatever a request threw into a {@link CliError} with a short, precise
 * message and an exit code (404 → "stream not found: <path>", exit 3).
 */
export function describeFailure(error: unknown, subject: FailureSubject): CliError {
  if (error instanceof CliError) return error;
  const { path } = subject;
  const closed = () =>
    new CliError(
      `stream is closed: ${path}`,
      ExitCode.CONFLICT,
      `closed streams take no appends; continue on a fork: 'durastream fork <new-path> --from ${path}'`,
      error,
    );
  if (error instanceof StreamClosedError) return closed();
  // Status 0: no HTTP answer at all; the network error is the cause.
  if (error instanceof DurableStreamError && error.status === 0 && error.cause !== undefined) {
    return describeFailure(error.cause, subject);
  }
  if (error instanceof DurableStreamError && error.status !== undefined) {
    const message = serverMessage(error);
    switch (error.status) {
      case 404:
        return streamNotFound(path, error);
      case 410:
        return new CliError(
          `stream was deleted: ${path}`,
          ExitCode.NOT_FOUND,
          "list live streams with 'durastream ls'",
          error,
        );
      case 409:
        if (serverCode(error) === "STREAM_CLOSED") return closed();
        if (error.code === "CONFLICT_EXISTS") {
          return new CliError(
            `stream already exists with a different configuration: ${path}`,
            ExitCode.CONFLICT,
            `compare with 'durastream head ${path}', or pick another path`,
            error,
          );
        }
        return new CliError(`conflict on ${path}: ${message}`, ExitCode.CONFLICT, undefined, error);
      case 401:
        return subject.authenticated
          ? new CliError(
              "unauthorized: the server rejected the bearer secret",
              ExitCode.FAILURE,
              "check --token or STREAMS_SECRET",
              error,
            )
          : new CliError(
              "unauthorized: the server requires a bearer secret",
              ExitCode.FAILURE,
              "pass --token or set STREAMS_SECRET",
              error,
            );
      case 403:
        return new CliError(`forbidden: ${message}`, ExitCode.FAILURE, undefined, error);
      case 400:
        return new CliError(`bad request: ${message}`, ExitCode.FAILURE, undefined, error);
      case 413:
        return new CliError(
          `too large: ${message}`,
          ExitCode.FAILURE,
          "split the data, or raise the server's --max-body-bytes",
          error,
        );
      default:
        return new CliError(
          `server error ${error.status} on ${path}: ${message}`,
          ExitCode.FAILURE,
          "see the server's log; --verbose shows the response",
          error,
        );
    }
  }
  if (error instanceof Error && error.name === "AbortError") {
    return new CliError("interrupted", ExitCode.INTERRUPTED);
  }
  const cause = networkCause(error);
  if (cause !== undefined) {
    return new CliError(
      `cannot reach server at ${subject.root}: ${cause}`,
      ExitCode.FAILURE,
      "start one with 'durastream serve', or point --url / DURABLE_STREAMS_URL at yours",
      error,
    );
  }
  return new CliError(
    error instanceof Error ? error.message : String(error),
    ExitCode.FAILURE,
    undefined,
    error,
  );
}

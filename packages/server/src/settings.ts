/**
 * Every server setting, once: its flag, its environment twins, its default
 * and what it means. `--help`, the README's configuration table (tested
 * against `configurationTable()`) and the parser all read this list.
 */

/** How a setting's text becomes a value. */
export type SettingKind = "string" | "integer" | "boolean" | "choice";

/** One server setting. */
export interface ServerSetting {
  /** Long flag without dashes, or null for environment-only settings (secrets stay off `ps`). */
  readonly flag: string | null;
  /** Environment variables, first set one wins; the flag wins over all of them. */
  readonly env: readonly string[];
  readonly kind: SettingKind;
  /** Allowed values of a `choice`. */
  readonly choices?: readonly string[];
  /** Placeholder in `--help`, e.g. `<n>`. */
  readonly placeholder?: string;
  /** The default, as documented. */
  readonly defaultText: string;
  readonly description: string;
}

/** The server's settings, in `--help` order. */
export const SERVER_SETTINGS: readonly ServerSetting[] = [
  {
    flag: "port",
    env: ["STREAMS_PORT", "PORT"],
    kind: "integer",
    placeholder: "<n>",
    defaultText: "4437",
    description: "listen port (0 picks a free one)",
  },
  {
    flag: "host",
    env: ["STREAMS_HOST"],
    kind: "string",
    placeholder: "<addr>",
    defaultText: "127.0.0.1",
    description: "interface to bind (0.0.0.0 for every interface)",
  },
  {
    flag: "data-dir",
    env: ["DATA_DIR"],
    kind: "string",
    placeholder: "<dir>",
    defaultText: "./data",
    description: "directory of the SQLite database",
  },
  {
    flag: "memory",
    env: ["STREAMS_MEMORY"],
    kind: "boolean",
    defaultText: "off",
    description: "keep streams in memory only (nothing survives a restart)",
  },
  {
    flag: "base-path",
    env: ["STREAMS_BASE_PATH"],
    kind: "string",
    placeholder: "<path>",
    defaultText: "/v1/stream",
    description: "URL path of the stream root",
  },
  {
    flag: "max-body-bytes",
    env: ["STREAMS_MAX_BODY_BYTES"],
    kind: "integer",
    placeholder: "<n>",
    defaultText: "67108864 (64 MiB)",
    description: "largest accepted request body (413 beyond)",
  },
  {
    flag: "long-poll-timeout-ms",
    env: ["STREAMS_LONG_POLL_TIMEOUT_MS"],
    kind: "integer",
    placeholder: "<n>",
    defaultText: "20000",
    description: "how long a long-poll waits for data before a 204",
  },
  {
    flag: "log-level",
    env: ["LOG_LEVEL"],
    kind: "choice",
    choices: ["fatal", "error", "warn", "info", "debug", "trace", "silent"],
    placeholder: "<level>",
    defaultText: "info",
    description: "least severe log level written",
  },
  {
    flag: "log-format",
    env: ["LOG_FORMAT"],
    kind: "choice",
    choices: ["auto", "pretty", "json"],
    placeholder: "<format>",
    defaultText: "auto",
    description:
      "pretty: a banner and short log lines; json: one JSON object per line; auto: pretty on a terminal, else json",
  },
  {
    flag: null,
    env: ["STREAMS_SECRET", "DURABLE_STREAMS_SECRET"],
    kind: "string",
    defaultText: "unset (no auth)",
    description: 'when set, every request needs "Authorization: Bearer <secret>"',
  },
];

/** `--help` text of the server, `program` being how it was invoked. */
export function usage(program = "durastream-server"): string {
  const flagged = SERVER_SETTINGS.filter((s) => s.flag !== null);
  const left = (s: ServerSetting) => `--${s.flag}${s.placeholder ? ` ${s.placeholder}` : ""}`;
  const width = Math.max(...flagged.map((s) => left(s).length), "-h, --help".length);
  const lines = flagged.map(
    (s) =>
      `  ${left(s).padEnd(width)}  ${s.description} (env ${s.env.join(", ")}; default ${s.defaultText})`,
  );
  const envOnly = SERVER_SETTINGS.filter((s) => s.flag === null).map(
    (s) => `  ${s.env.join(" / ")}: ${s.description}`,
  );
  return `Usage: ${program} [options]

Options (a flag wins over its environment variable):
${lines.join("\n")}
  ${"-h, --help".padEnd(width)}  show this help
  ${"-v, --version".padEnd(width)}  print the version

Environment only:
${envOnly.join("\n")}`;
}

/** The Markdown configuration table of the README and docs/server.md. */
export function configurationTable(): string {
  const rows = SERVER_SETTINGS.map((s) => {
    const flag = s.flag === null ? "" : `\`--${s.flag}\``;
    const env = s.env.map((name) => `\`${name}\``).join(", ");
    return `| ${flag} | ${env} | ${s.defaultText} | ${s.description} |`;
  });
  return ["| flag | environment | default | meaning |", "|---|---|---|---|", ...rows].join("\n");
}

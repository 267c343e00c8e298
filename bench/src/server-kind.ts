/** The servers under test. */

export const SERVER_KINDS = ["durastream", "official-file", "official-memory"] as const;

export type ServerKind = (typeof SERVER_KINDS)[number];

export const SERVER_LABELS: Record<ServerKind, string> = {
  durastream: "durastream (SQLite, durable)",
  "official-file": "official file-backed",
  "official-memory": "official in-memory",
};

export function isServerKind(value: string): value is ServerKind {
  return (SERVER_KINDS as readonly string[]).includes(value);
}

/** Whether the server keeps its data across a restart. */
export function isDurable(kind: ServerKind): boolean {
  return kind !== "official-memory";
}

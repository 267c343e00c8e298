/**
 * `inspectStreamTopic`: a JSON-stable diagnostic report of a stream schema and
 * its producer metadata.
 *
 * @module
 */
import type { CollectionDefinition } from "./state-schema.js";
import { buildStreamUrl } from "./streams-url.js";

/** What {@link inspectStreamTopic} describes. */
export interface StreamTopicInspectionInput {
  /** The schema (from `defineStreamSchema` / `createStateSchema`) or a raw collection map. */
  schema: Record<string, CollectionDefinition>;
  /** The stream path the topic is published on. */
  streamPath?: string;
  /** The producer identity writing the topic. */
  producerId?: string;
  /** When given, the report includes the full stream URL (no environment lookup happens). */
  baseUrl?: string;
}

/** One collection in a {@link StreamTopicInspectionReport}. */
export interface StreamTopicCollectionReport {
  name: string;
  type: string;
  primaryKey: string;
  /** The Standard Schema vendor (`zod`, `valibot`, ...), or `null` if absent. */
  vendor: string | null;
}

/** A JSON-stable report: same input, same `JSON.stringify` output. */
export interface StreamTopicInspectionReport {
  package: "@durastream/state";
  /** The stream path, or `"(unbound)"` when none was given. */
  target: string;
  /** One line for humans. */
  summary: string;
  details: {
    streamPath: string | null;
    producerId: string | null;
    url: string | null;
    collectionCount: number;
    /** Sorted by collection name. */
    collections: StreamTopicCollectionReport[];
  };
}

/**
 * Describes a stream topic for tests and CLI doctors. Pure: it reads no
 * environment and opens no connection; collections are sorted by name so the
 * report is stable.
 */
export function inspectStreamTopic(input: StreamTopicInspectionInput): StreamTopicInspectionReport {
  const collections = Object.entries(input.schema)
    .map(([name, definition]): StreamTopicCollectionReport => {
      const vendor = (definition.schema as { "~standard"?: { vendor?: unknown } } | undefined)?.[
        "~standard"
      ]?.vendor;
      return {
        name,
        type: definition.type,
        primaryKey: definition.primaryKey,
        vendor: typeof vendor === "string" ? vendor : null,
      };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const streamPath = input.streamPath ?? null;
  const url =
    streamPath !== null && input.baseUrl !== undefined
      ? buildStreamUrl(streamPath, input.baseUrl)
      : null;
  const list = collections.map((c) => `${c.name}(${c.type} by ${c.primaryKey})`).join(", ");
  const noun = collections.length === 1 ? "collection" : "collections";
  const summary =
    `${streamPath ?? "unbound stream"}: ${collections.length} ${noun}` +
    (list ? ` - ${list}` : "") +
    (input.producerId ? `; producer ${input.producerId}` : "");
  return {
    package: "@durastream/state",
    target: streamPath ?? "(unbound)",
    summary,
    details: {
      streamPath,
      producerId: input.producerId ?? null,
      url,
      collectionCount: collections.length,
      collections,
    },
  };
}

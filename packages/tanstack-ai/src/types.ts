import type { StreamTarget } from "@durastream/client";

/** A TanStack AI stream chunk (AG-UI event); kept open as the official package does. */
// biome-ignore lint/suspicious/noExplicitAny: chunks are whatever the adapter emits
export type TanStackChunk = any;

/** What `useChat({ connection })` / `new ChatClient({ connection })` needs. */
export type DurableSessionConnection = {
  subscribe: (abortSignal?: AbortSignal) => AsyncIterable<TanStackChunk>;
  send: (messages: Array<unknown>, data?: unknown, abortSignal?: AbortSignal) => Promise<void>;
};

export type DurableStreamConnection = DurableSessionConnection;

export type DurableStreamConnectionOptions = {
  /** Endpoint the messages are POSTed to (`{ messages, data }`). */
  sendUrl: string;
  /** The session stream read by `subscribe` (default `sendUrl`). */
  readUrl?: string;
  /** Read from this offset (e.g. the one `materializeSnapshotFromDurableStream` returned). */
  initialOffset?: string;
  /** First yield a `MESSAGES_SNAPSHOT` of the history (default true, when reading from the start). */
  emitSnapshotOnSubscribe?: boolean;
  headers?: HeadersInit;
  fetchClient?: typeof fetch;
};

/** Where chunks are written, and the URL readers are told to read: the client's `StreamTarget`. */
export type DurableStreamTarget = StreamTarget;

export type DurableChatSessionStreamTarget = Pick<
  DurableStreamTarget,
  `writeUrl` | `headers` | `createIfMissing` | `fetchClient`
>;

export type ToDurableStreamResponseMode = `immediate` | `await`;

export type WaitUntil = (promise: Promise<unknown>) => void;

export type ToDurableStreamResponseOptions = {
  stream: DurableStreamTarget;
  mode?: ToDurableStreamResponseMode;
  waitUntil?: WaitUntil;
  exposeLocationHeader?: boolean;
  /** Stops the generation: the stream is closed with what was produced. */
  signal?: AbortSignal;
};

export type DurableSessionMessagePart = {
  type?: string;
  content?: string;
  text?: string;
};

export type DurableSessionMessage = {
  id?: string;
  role?: string;
  parts?: Array<DurableSessionMessagePart>;
};

export type ToDurableChatSessionResponseOptions = {
  stream: DurableChatSessionStreamTarget;
  /** The user's new messages, echoed into the session so every reader sees them. */
  newMessages: Array<DurableSessionMessage>;
  /** The assistant's chunks, usually `chat({ adapter, messages })`. */
  responseStream: AsyncIterable<TanStackChunk>;
  mode?: ToDurableStreamResponseMode;
  waitUntil?: WaitUntil;
  /**
   * Stops the generation: what was produced stays, open messages are ended
   * and a `RUN_FINISHED` is written, so readers see the run end. The session
   * stays open for the next turn.
   */
  signal?: AbortSignal;
};

/** Stream lifecycle events: embedder hooks and the opt-in registry stream. */

export { openRegistry, REGISTRY_PATH } from "./registry-stream.js";
export {
  type StreamCreatedEvent,
  type StreamDeletedEvent,
  type StreamEvent,
  type StreamEventHooks,
  StreamEvents,
} from "./stream-events.js";

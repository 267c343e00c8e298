// Types of app.mjs, for the Chromium test that drives the example.
export interface ChatApp {
  readonly url: string;
  close(): Promise<void>;
}
export function startChatApp(options: {
  streamsRoot: string;
  adapter: unknown;
  port?: number;
  host?: string;
}): Promise<ChatApp>;

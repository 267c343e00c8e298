/** The running editor app. */
export interface EditorApp {
  readonly url: string;
  close(): Promise<void>;
}

export function startEditorApp(options: {
  yjsBase: string;
  docId?: string;
  port?: number;
  host?: string;
}): Promise<EditorApp>;

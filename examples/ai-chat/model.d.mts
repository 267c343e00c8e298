// Types of model.mjs, for the Chromium test that drives the example.
export function mockAdapter(options?: { tokenMs?: number }): unknown;
export function chooseAdapter(
  env?: Record<string, string | undefined>,
): Promise<{ adapter: unknown; name: string }>;

/**
 * jose, loaded on first use. It is ~45 modules; a server without auth or
 * scoped tokens never needs it, and one restarting with many streams should
 * not compile it before answering its first request.
 */

type Jose = typeof import("jose");

let jose: Promise<Jose> | undefined;

/** The jose module (one import shared by every caller). */
export function loadJose(): Promise<Jose> {
  jose ??= import("jose");
  return jose;
}

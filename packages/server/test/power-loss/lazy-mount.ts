/**
 * A LazyFS-style mount (lazyfs.py) for power-loss tests: data written
 * through `mountpoint` reaches `backing` (the "disk") only when synced, and a
 * power cut drops all or a seeded subset of what was not.
 */

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const LAZYFS = join(dirname(fileURLToPath(import.meta.url)), "lazyfs.py");
/** The system Python: Debian's python3-fusepy is installed for it, not for a pyenv shim. */
const PYTHON = "/usr/bin/python3";

/** Why a FUSE mount cannot work here, or null when it should. */
export function fuseUnavailable(): string | null {
  if (!existsSync("/dev/fuse")) return "/dev/fuse does not exist";
  if (spawnSync(PYTHON, ["-c", "import fusepy"]).status !== 0) {
    return `${PYTHON} cannot import fusepy (python3-fusepy)`;
  }
  return null;
}

/** What a power cut kept and dropped. */
export interface CutResult {
  /** 4 KiB pieces of unsynced writes that reached the disk. */
  readonly kept: number;
  /** 4 KiB pieces of unsynced writes lost. */
  readonly dropped: number;
  /** Directory entries created or removed but never synced, undone. */
  readonly entriesUndone: number;
}

/** One mount of the lazy filesystem. */
export class LazyMount {
  readonly #process: ChildProcess;
  readonly #lines: AsyncIterator<string>;
  readonly #exited: Promise<void>;
  #stderr = "";

  private constructor(
    process: ChildProcess,
    readonly mountpoint: string,
  ) {
    this.#process = process;
    process.stderr!.setEncoding("utf8");
    process.stderr!.on("data", (text: string) => {
      this.#stderr += text;
    });
    this.#lines = createInterface({ input: process.stdout! })[Symbol.asyncIterator]();
    this.#exited = new Promise((resolve) => process.once("exit", () => resolve()));
  }

  /**
   * Mounts `backing` at `mountpoint` (`trash`, outside both, keeps removed
   * files a cut may bring back); rejects with the filesystem's output if it cannot.
   */
  static async mount(backing: string, mountpoint: string, trash: string): Promise<LazyMount> {
    const child = spawn(PYTHON, [LAZYFS, backing, mountpoint, trash], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    const mount = new LazyMount(child, mountpoint);
    const first = await Promise.race([mount.#lines.next(), mount.#exited.then(() => null)]);
    if (!first || first.done || first.value !== "ready") {
      child.kill("SIGKILL");
      throw new Error(`lazyfs did not mount at ${mountpoint}: ${mount.#stderr}`);
    }
    return mount;
  }

  /**
   * Cuts the power: drops every unsynced write (`all`) or keeps a seeded
   * random subset of their 4 KiB pieces (`subset`). Writes after it are
   * ignored. Call once whatever wrote through the mount is dead.
   */
  async cut(mode: "all" | "subset", seed: number): Promise<CutResult> {
    this.#process.stdin!.write(`crash ${mode} ${seed}\n`);
    const line = await this.#lines.next();
    const match = !line.done && /^crashed (\d+) (\d+) (\d+)$/.exec(line.value);
    if (!match) throw new Error(`lazyfs did not cut the power: ${this.#stderr}`);
    return { kept: Number(match[1]), dropped: Number(match[2]), entriesUndone: Number(match[3]) };
  }

  /** A failing disk: while on, writes, truncations and creations fail with EIO. */
  async failWrites(on: boolean): Promise<void> {
    const state = on ? "on" : "off";
    this.#process.stdin!.write(`fail ${state}\n`);
    const line = await this.#lines.next();
    if (line.done || line.value !== `failing ${state}`) {
      throw new Error(`lazyfs did not switch failing ${state}: ${this.#stderr}`);
    }
  }

  /** Unmounts (the kernel's cached pages of the mount go with it). */
  async unmount(): Promise<void> {
    const result = spawnSync("umount", [this.mountpoint]);
    if (result.status !== 0) spawnSync("umount", ["-l", this.mountpoint]);
    this.#process.stdin!.end();
    await this.#exited;
  }
}

/**
 * Power cuts, in the manner of Jepsen's LazyFS: the server's data directory
 * lives on a FUSE filesystem (lazyfs.py) that keeps every write not yet
 * fsynced in memory. Under concurrent plain appends and pipelined idempotent
 * producers the server is killed at a seeded moment and the unsynced writes
 * are dropped: all of them, or (every other cut) a random subset of their
 * 4 KiB pieces, as a disk reordering and tearing writes would. After each
 * restart: every acknowledged message is present exactly once and in order,
 * producers resume with their state intact (retries are deduplicated), and
 * `PRAGMA integrity_check` is ok. Every fifth cut comes right after a clean
 * shutdown instead (SIGTERM, exit 0): the final checkpoint, the WAL's removal
 * and the directory sync must leave nothing a power cut can undo.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { seededRandom } from "../../../../test-support/seeded-random.js";
import { DATABASE_FILE } from "../../src/index.js";
import { readAll, testCleanups } from "../helpers.js";
import { type CutResult, fuseUnavailable, LazyMount } from "./lazy-mount.js";
import { missingPrerequisite } from "./prerequisite.js";

const SERVER = join(dirname(fileURLToPath(import.meta.url)), "server-child.mjs");
const SEED = 1717;
const CUTS = 20;
const WRITERS = 3;
const PRODUCERS = 2;
/** Requests each producer keeps in flight. */
const WINDOW = 4;

interface Server {
  readonly url: string;
  readonly process: ChildProcess;
  readonly exited: Promise<number | null>;
}

function startServer(dataDir: string): Promise<Server> {
  const child = spawn(process.execPath, [SERVER, dataDir], { stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  return new Promise((resolve, reject) => {
    let output = "";
    const collect = (text: Buffer) => {
      output += text.toString();
      const match = /"url":"(http:\/\/[^"]+)"/.exec(output);
      if (match) resolve({ url: match[1]!, process: child, exited });
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.once("exit", () => reject(new Error(`server exited before listening:\n${output}`)));
  });
}

/** One plain writer: its own stream, one append at a time. */
interface Writer {
  readonly stream: string;
  /** Ids stored, in order: acknowledged ones, plus unacknowledged ones a restart showed. */
  stored: string[];
  /** The append in flight when the power went, if any. */
  inFlight: string | null;
  next: number;
}

/** One idempotent producer on the shared JSON stream, `WINDOW` requests in flight. */
interface Producer {
  readonly id: string;
  /** Seqs below it are stored (acknowledged, or found after a restart). */
  stored: number;
  readonly acked: Set<number>;
  nextSeq: number;
}

const PRODUCED = "produced";
const text = { "content-type": "text/plain" };
const json = { "content-type": "application/json" };

describe("power loss (LazyFS-style FUSE filesystem)", () => {
  const cleanups = testCleanups();

  test(`${CUTS} seeded power cuts under concurrent appends and idempotent producers`, async (ctx) => {
    const unavailable = fuseUnavailable();
    if (unavailable) missingPrerequisite(ctx, unavailable);
    const root = cleanups.tempDir();
    const backing = join(root, "disk");
    const mountpoint = join(root, "mnt");
    const trash = join(root, "trash");
    mkdirSync(backing);
    mkdirSync(mountpoint);
    mkdirSync(trash);
    const dataDir = join(mountpoint, "data");
    let mount: LazyMount;
    try {
      mount = await LazyMount.mount(backing, mountpoint, trash);
    } catch (error) {
      return missingPrerequisite(ctx, `FUSE cannot mount here: ${(error as Error).message}`);
    }
    cleanups.defer(() => mount.unmount());

    const random = seededRandom(SEED);
    const writers: Writer[] = Array.from({ length: WRITERS }, (_, w) => ({
      stream: `plain/${w}`,
      stored: [],
      inFlight: null,
      next: 0,
    }));
    const producers: Producer[] = Array.from({ length: PRODUCERS }, (_, p) => ({
      id: `p${p}`,
      stored: 0,
      acked: new Set(),
      nextSeq: 0,
    }));
    const counts = {
      cuts: { all: 0, subset: 0, afterCleanShutdown: 0 },
      acknowledged: { plain: 0, producer: 0 },
      unacknowledgedFound: 0,
      unacknowledgedLost: 0,
      retriesDeduplicated: 0,
      pieces: { kept: 0, dropped: 0 },
      entriesUndone: 0,
    };
    const started = Date.now();

    for (let cut = 0; ; cut++) {
      const server = await startServer(dataDir);
      const url = (path: string) => `${server.url}/v1/stream/${path}`;
      try {
        if (cut === 0) {
          for (const writer of writers) {
            expect((await fetch(url(writer.stream), { method: "PUT", headers: text })).status).toBe(
              201,
            );
          }
          expect((await fetch(url(PRODUCED), { method: "PUT", headers: json })).status).toBe(201);
        } else {
          await verify(url, writers, producers, counts);
          await resumeProducers(url, producers, counts);
          checkIntegrity(join(dataDir, DATABASE_FILE));
        }
        if (cut === CUTS) break;

        // Write until a seeded number of acknowledgements, then cut the power.
        const target = 30 + Math.floor(random() * 120);
        const graceful = cut % 5 === 4;
        let acks = 0;
        let killed = false;
        const kill = () => {
          if (killed) return;
          killed = true;
          // A clean shutdown lets the requests in flight finish first.
          if (!graceful) server.process.kill("SIGKILL");
        };
        const acknowledged = () => {
          if (++acks >= target) kill();
        };
        const filler = () => "x".repeat(Math.floor(random() * 3000));
        const plainLoops = writers.map(async (writer) => {
          while (!killed) {
            const id = `w${writer.stream.slice(6)}.${writer.next++}`;
            writer.inFlight = id;
            let status: number;
            try {
              const res = await fetch(url(writer.stream), {
                method: "POST",
                headers: text,
                body: `${id}:${filler()};`,
              });
              status = res.status;
            } catch {
              return; // the server died with the append in flight
            }
            expect(status).toBe(204);
            writer.inFlight = null;
            writer.stored.push(id);
            counts.acknowledged.plain++;
            acknowledged();
          }
        });
        const producerLoops = producers.map((producer) => {
          // Requests travel on separate connections: one may overtake the one
          // before it and get 409 PRODUCER_SEQ_GAP; a pipelining producer then
          // retries once its predecessor settled.
          const settled = new Map<number, Promise<unknown>>();
          const send = async (seq: number, body: string): Promise<number | null> => {
            for (;;) {
              let res: Response;
              try {
                res = await fetch(url(PRODUCED), {
                  method: "POST",
                  headers: {
                    ...json,
                    "producer-id": producer.id,
                    "producer-epoch": "0",
                    "producer-seq": String(seq),
                  },
                  body,
                });
              } catch {
                return null; // the server died with it in flight
              }
              if (res.status !== 409) return res.status;
              const { error } = (await res.json()) as { error: { code: string } };
              expect(error.code).toBe("PRODUCER_SEQ_GAP");
              await settled.get(seq - 1);
            }
          };
          return Promise.all(
            Array.from({ length: WINDOW }, async () => {
              while (!killed) {
                const seq = producer.nextSeq++;
                const sent = send(seq, JSON.stringify({ p: producer.id, seq, pad: filler() }));
                settled.set(seq, sent);
                settled.delete(seq - 2 * WINDOW);
                const status = await sent;
                if (status === null) return;
                expect(status).toBe(200);
                producer.acked.add(seq);
                counts.acknowledged.producer++;
                acknowledged();
              }
            }),
          );
        });
        await Promise.all([...plainLoops, ...producerLoops]);
        if (graceful) {
          server.process.kill("SIGTERM");
          expect(await server.exited).toBe(0);
          counts.cuts.afterCleanShutdown++;
        }
      } finally {
        server.process.kill("SIGKILL");
        await server.exited;
      }
      const mode = cut % 2 === 0 ? "all" : "subset";
      const result: CutResult = await mount.cut(mode, SEED * 1000 + cut);
      if (cut % 5 === 4) {
        // A clean shutdown synced everything it wrote, directory entries included.
        expect(result).toEqual({ kept: 0, dropped: 0, entriesUndone: 0 });
      }
      counts.cuts[mode]++;
      counts.pieces.kept += result.kept;
      counts.pieces.dropped += result.dropped;
      counts.entriesUndone += result.entriesUndone;
      await mount.unmount();
      mount = await LazyMount.mount(backing, mountpoint, trash);
    }

    process.stdout.write(
      `power-loss harness: ${JSON.stringify({ ...counts, seconds: (Date.now() - started) / 1000 })}\n`,
    );
    expect(counts.cuts.all + counts.cuts.subset).toBe(CUTS);
    expect(counts.pieces.dropped).toBeGreaterThan(0);
  }, 300_000);
});

/** Every acknowledged message exactly once, in order; nothing unknown. */
async function verify(
  url: (path: string) => string,
  writers: Writer[],
  producers: Producer[],
  counts: { unacknowledgedFound: number; unacknowledgedLost: number },
): Promise<void> {
  for (const writer of writers) {
    const { body } = await readAll(url(writer.stream));
    const ids = new TextDecoder()
      .decode(body)
      .split(";")
      .filter((part) => part !== "")
      .map((part) => part.slice(0, part.indexOf(":")));
    const expected = [...writer.stored];
    if (writer.inFlight !== null && ids.length === expected.length + 1) {
      // The append in flight at the cut may have become durable, at the end only.
      expect(ids.at(-1)).toBe(writer.inFlight);
      expected.push(writer.inFlight);
      counts.unacknowledgedFound++;
    } else if (writer.inFlight !== null) {
      counts.unacknowledgedLost++;
    }
    expect(ids).toEqual(expected);
    writer.stored = ids;
    writer.inFlight = null;
  }
  const messages = JSON.parse(new TextDecoder().decode((await readAll(url(PRODUCED))).body)) as {
    p: string;
    seq: number;
  }[];
  for (const producer of producers) {
    const seqs = messages.filter((m) => m.p === producer.id).map((m) => m.seq);
    // A contiguous run from 0, each seq once, holding every acknowledged one.
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i));
    for (const seq of producer.acked) expect(seq).toBeLessThan(seqs.length);
    expect(seqs.length).toBeLessThanOrEqual(producer.nextSeq);
    producer.stored = seqs.length;
  }
}

/**
 * Each producer retries what was in flight at the cut, in order, as a
 * client does after a restart: what was stored is deduplicated (204), the
 * rest is appended (200), never twice.
 */
async function resumeProducers(
  url: (path: string) => string,
  producers: Producer[],
  counts: { retriesDeduplicated: number },
): Promise<void> {
  for (const producer of producers) {
    let first = producer.nextSeq;
    for (let seq = producer.nextSeq - 1; seq >= 0 && !producer.acked.has(seq); seq--) first = seq;
    for (let seq = first; seq < producer.nextSeq; seq++) {
      const res = await fetch(url(PRODUCED), {
        method: "POST",
        headers: {
          ...json,
          "producer-id": producer.id,
          "producer-epoch": "0",
          "producer-seq": String(seq),
        },
        body: JSON.stringify({ p: producer.id, seq, pad: "" }),
      });
      expect(res.status).toBe(seq < producer.stored ? 204 : 200);
      if (res.status === 204) counts.retriesDeduplicated++;
      producer.acked.add(seq);
    }
    producer.stored = producer.nextSeq;
  }
}

function checkIntegrity(file: string): void {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
  } finally {
    db.close();
  }
}

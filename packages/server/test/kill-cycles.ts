/**
 * Repeated `kill -9` of the real server binary under load: concurrent plain
 * appenders (one stream each, one append at a time) and idempotent producers
 * pipelining `window` requests on a shared JSON stream. Each cycle writes
 * until a seeded number of acknowledgements, kills the server, restarts it,
 * and checks: every acknowledged message exactly once and in order, the
 * unacknowledged one in flight at most at the end, producers resuming with
 * their state intact (retries deduplicated, never stored twice), and
 * `PRAGMA integrity_check` ok.
 */

import { join } from "node:path";
import Database from "better-sqlite3";
import { expect } from "vitest";
import { DATABASE_FILE } from "../src/index.js";
import { readAll, spawnServer } from "./helpers.js";

/** How to run the cycles. */
export interface KillCycleOptions {
  readonly dataDir: string;
  readonly kills: number;
  /** Seeded: when each kill comes and how large each message is. */
  readonly random: () => number;
  readonly writers: number;
  readonly producers: number;
  /** Requests each producer keeps in flight. */
  readonly window: number;
}

/** What happened, for the test's log. */
export interface KillCycleCounts {
  kills: number;
  acknowledged: { plain: number; producer: number };
  /** Appends in flight at a kill found stored after the restart / not stored. */
  unacknowledgedFound: number;
  unacknowledgedLost: number;
  /** Producer retries after a restart answered 204 (already stored) / 200 (appended now). */
  retriesDeduplicated: number;
  retriesAppended: number;
  seconds: number;
}

interface Writer {
  readonly stream: string;
  /** Ids stored, in order: acknowledged, plus unacknowledged ones a restart showed. */
  stored: string[];
  inFlight: string | null;
  next: number;
}

interface Producer {
  readonly id: string;
  /** Seqs below it are stored. */
  stored: number;
  readonly acked: Set<number>;
  nextSeq: number;
}

const PRODUCED = "produced";
const text = { "content-type": "text/plain" };
const json = { "content-type": "application/json" };

/** Runs `kills` kill-and-restart cycles against a server over `dataDir`. */
export async function runKillCycles(options: KillCycleOptions): Promise<KillCycleCounts> {
  const writers: Writer[] = Array.from({ length: options.writers }, (_, w) => ({
    stream: `plain/${w}`,
    stored: [],
    inFlight: null,
    next: 0,
  }));
  const producers: Producer[] = Array.from({ length: options.producers }, (_, p) => ({
    id: `p${p}`,
    stored: 0,
    acked: new Set(),
    nextSeq: 0,
  }));
  const counts: KillCycleCounts = {
    kills: 0,
    acknowledged: { plain: 0, producer: 0 },
    unacknowledgedFound: 0,
    unacknowledgedLost: 0,
    retriesDeduplicated: 0,
    retriesAppended: 0,
    seconds: 0,
  };
  const started = Date.now();
  for (let cycle = 0; ; cycle++) {
    const server = await spawnServer(["--data-dir", options.dataDir]);
    const url = (path: string) => `${server.url}/v1/stream/${path}`;
    try {
      if (cycle === 0) {
        for (const writer of writers) {
          expect((await fetch(url(writer.stream), { method: "PUT", headers: text })).status).toBe(
            201,
          );
        }
        expect((await fetch(url(PRODUCED), { method: "PUT", headers: json })).status).toBe(201);
      } else {
        await verify(url, writers, producers, counts);
        await resumeProducers(url, producers, counts);
        checkIntegrity(join(options.dataDir, DATABASE_FILE));
      }
      if (cycle === options.kills) break;
      await writeUntilKilled(url, server.process, writers, producers, options, counts);
      counts.kills++;
    } finally {
      server.process.kill("SIGKILL");
      await server.exited;
    }
  }
  counts.seconds = (Date.now() - started) / 1000;
  return counts;
}

/** Writes from every writer and producer until a seeded number of acknowledgements, then kills. */
async function writeUntilKilled(
  url: (path: string) => string,
  server: { kill(signal: NodeJS.Signals): boolean },
  writers: Writer[],
  producers: Producer[],
  options: KillCycleOptions,
  counts: KillCycleCounts,
): Promise<void> {
  const { random } = options;
  const target = 20 + Math.floor(random() * 130);
  let acks = 0;
  let killed = false;
  const acknowledged = () => {
    if (++acks < target || killed) return;
    killed = true;
    server.kill("SIGKILL");
  };
  const filler = () => "x".repeat(Math.floor(random() * 2000));
  const plainLoops = writers.map(async (writer) => {
    while (!killed) {
      const id = `${writer.stream}.${writer.next++}`;
      writer.inFlight = id;
      let status: number;
      try {
        const body = `${id}:${filler()};`;
        status = (await fetch(url(writer.stream), { method: "POST", headers: text, body })).status;
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
    // Pipelined requests travel on separate connections: one may overtake the
    // one before it; the server holds it briefly, and if its predecessor never
    // came it answers 409 PRODUCER_SEQ_GAP and the producer resends once the
    // predecessor settled.
    const settled = new Map<number, Promise<unknown>>();
    const send = async (seq: number, body: string): Promise<number | null> => {
      for (;;) {
        let res: Response;
        try {
          res = await fetch(url(PRODUCED), {
            method: "POST",
            headers: producerHeaders(producer, seq),
            body,
          });
        } catch {
          return null;
        }
        if (res.status !== 409) return res.status;
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
          "PRODUCER_SEQ_GAP",
        );
        await settled.get(seq - 1);
      }
    };
    return Promise.all(
      Array.from({ length: options.window }, async () => {
        while (!killed) {
          const seq = producer.nextSeq++;
          const sent = send(seq, JSON.stringify({ p: producer.id, seq, pad: filler() }));
          settled.set(seq, sent);
          settled.delete(seq - 2 * options.window);
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
}

function producerHeaders(producer: Producer, seq: number): Record<string, string> {
  return {
    ...json,
    "producer-id": producer.id,
    "producer-epoch": "0",
    "producer-seq": String(seq),
  };
}

/** Every acknowledged message exactly once, in order; the one in flight at most at the end. */
async function verify(
  url: (path: string) => string,
  writers: Writer[],
  producers: Producer[],
  counts: KillCycleCounts,
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
 * Each producer resends, in order, what was in flight at the kill (as a
 * client does after a restart) and its last acknowledged request again: what
 * is stored is deduplicated with 204, the rest appended with 200, and a
 * second read shows nothing twice.
 */
async function resumeProducers(
  url: (path: string) => string,
  producers: Producer[],
  counts: KillCycleCounts,
): Promise<void> {
  for (const producer of producers) {
    let first = producer.nextSeq;
    while (first > 0 && !producer.acked.has(first - 1)) first--;
    const from = Math.max(0, first - 1); // the last acknowledged one, once more
    for (let seq = from; seq < producer.nextSeq; seq++) {
      const res = await fetch(url(PRODUCED), {
        method: "POST",
        headers: producerHeaders(producer, seq),
        body: JSON.stringify({ p: producer.id, seq, pad: "retry" }),
      });
      expect(res.status).toBe(seq < producer.stored ? 204 : 200);
      if (res.status === 204) counts.retriesDeduplicated++;
      else counts.retriesAppended++;
      producer.acked.add(seq);
    }
    producer.stored = Math.max(producer.stored, producer.nextSeq);
  }
  const messages = JSON.parse(new TextDecoder().decode((await readAll(url(PRODUCED))).body)) as {
    p: string;
    seq: number;
  }[];
  for (const producer of producers) {
    const seqs = messages.filter((m) => m.p === producer.id).map((m) => m.seq);
    expect(seqs).toEqual(Array.from({ length: producer.nextSeq }, (_, i) => i));
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

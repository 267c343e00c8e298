/** The in-process wake hub: coalesced, grouped wake-ups (the `StreamHub` port's promises). */

import { describe, expect, it } from "vitest";
import { type Waiter, WakeHub } from "../src/index.js";

/** A waiter that records its wake-ups and resolves `woken` at the first. */
function waiter(position: number): Waiter<string> & { wakes: string[]; woken: Promise<string> } {
  let resolve: (value: string) => void = () => {};
  const woken = new Promise<string>((r) => {
    resolve = r;
  });
  const wakes: string[] = [];
  return {
    position,
    wakes,
    woken,
    wake(shared) {
      wakes.push(shared);
      resolve(shared);
    },
  };
}

describe("WakeHub", () => {
  it("coalesces notifications issued before a run into one wake-up with the latest share", async () => {
    const hub = new WakeHub<string>();
    const w = waiter(0);
    hub.add(1, w);
    const shares: number[] = [];
    for (let change = 1; change <= 5; change++) {
      hub.notify(1, (position) => {
        shares.push(position);
        return `change ${change}`;
      });
    }
    expect(w.wakes).toEqual([]); // Not inside notify: after the writer's acknowledgement.
    expect(await w.woken).toBe("change 5");
    // One more change is one more run: the five before were one.
    const later = waiter(0);
    hub.add(1, later);
    hub.notify(1, () => "change 6");
    expect(await later.woken).toBe("change 6");
    expect(shares).toEqual([0]);
    expect(w.wakes).toEqual(["change 5"]);
  });

  it("shares one value per position among all its waiters and leaves other streams alone", async () => {
    const hub = new WakeHub<object>();
    const group = Array.from({ length: 50 }, () => waiter(7));
    const elsewhere = waiter(7);
    const other = waiter(3);
    for (const w of group) hub.add(1, w as unknown as Waiter<object>);
    hub.add(1, other as unknown as Waiter<object>);
    hub.add(2, elsewhere as unknown as Waiter<object>);
    let calls = 0;
    hub.notify(1, (position) => {
      calls++;
      return { position };
    });
    const values = await Promise.all([...group, other].map((w) => w.woken));
    expect(calls).toBe(2);
    expect(new Set(values.slice(0, 50)).size).toBe(1);
    expect(values[50]).toEqual({ position: 3 });
    expect(elsewhere.wakes).toEqual([]);
    expect(hub.size).toBe(1);
  });

  it("keeps a group waiting when the share says nothing changed for it", async () => {
    const hub = new WakeHub<string>();
    const atTail = waiter(10);
    const behind = waiter(4);
    hub.add(1, atTail);
    hub.add(1, behind);
    hub.notify(1, (position) => (position >= 10 ? null : "data"));
    expect(await behind.woken).toBe("data");
    expect(atTail.wakes).toEqual([]);
    expect(hub.size).toBe(1);
    hub.cancel(1, atTail);
    expect(hub.size).toBe(0);
  });
  it("delivers a change that arrives while a fan-out is under way: a waiter's wake appends", async () => {
    const hub = new WakeHub<string>();
    let tail = 1;
    const share = (position: number) => (position < tail ? `up to ${tail}` : null);
    const late = waiter(1);
    const first: Waiter<string> & { wakes: string[] } = {
      position: 0,
      wakes: [],
      wake(shared) {
        this.wakes.push(shared);
        // Reacting to its wake-up, this reader writes: the hub is mid-run for this stream.
        hub.add(1, late);
        tail = 2;
        hub.notify(1, share);
      },
    };
    hub.add(1, first);
    hub.notify(1, share);
    expect(await late.woken).toBe("up to 2");
    expect(first.wakes).toEqual(["up to 1"]);
    expect(hub.size).toBe(0);
  }, 5_000);

  it("delivers a change that arrives between the turns of a fan-out that spans several", async () => {
    const hub = new WakeHub<string>();
    let tail = 1;
    const share = (position: number) => (position < tail ? `up to ${tail}` : null);
    const many = Array.from({ length: 5_000 }, () => waiter(0));
    for (const w of many) hub.add(1, w);
    const late = waiter(1);
    hub.add(1, late); // waits at 1: nothing for it in the first change
    let changed = false;
    // A change lands on a later event-loop turn, while the first run is still waking the many.
    const changeMidRun = () => {
      if (many.every((w) => w.wakes.length > 0)) return;
      if (many.some((w) => w.wakes.length > 0)) {
        tail = 2;
        changed = true;
        hub.notify(1, share);
        return;
      }
      setImmediate(changeMidRun);
    };
    hub.notify(1, share);
    setImmediate(changeMidRun);
    await Promise.all(many.map((w) => w.woken));
    expect(changed).toBe(true);
    expect(await late.woken).toBe("up to 2");
    expect(many.every((w) => w.wakes.length === 1)).toBe(true);
    expect(hub.size).toBe(0);
  }, 5_000);
});

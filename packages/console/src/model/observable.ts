/** A value that notifies listeners when it changes; the UI re-renders from it. */

import { useEffect, useState } from "preact/hooks";

/** A mutable value with change listeners. */
export class Observable<T> {
  #value: T;
  readonly #listeners = new Set<(value: T) => void>();

  constructor(value: T) {
    this.#value = value;
  }

  get value(): T {
    return this.#value;
  }

  set(value: T): void {
    this.#value = value;
    for (const listener of this.#listeners) listener(value);
  }

  subscribe(listener: (value: T) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** The current value of `observable`, re-rendering the component when it changes. */
export function useObservable<T>(observable: Observable<T>): T {
  const [, setTick] = useState(0);
  useEffect(() => observable.subscribe(() => setTick((tick) => tick + 1)), [observable]);
  return observable.value;
}

/**
 * Re-renders the component when `source` says it changed, at most once per
 * animation frame: models that take thousands of messages a second notify on
 * every batch, the screen only needs the latest picture.
 */
export function useFrameThrottled(source: { subscribe(listener: () => void): () => void }): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    let frame = 0;
    const unsubscribe = source.subscribe(() => {
      if (frame !== 0) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        setTick((tick) => tick + 1);
      });
    });
    return () => {
      unsubscribe();
      if (frame !== 0) cancelAnimationFrame(frame);
    };
  }, [source]);
}

/** A change signal for models with several fields. */
export class Changes {
  readonly #listeners = new Set<() => void>();

  notify(): void {
    for (const listener of this.#listeners) listener();
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

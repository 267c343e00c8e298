/**
 * A list that renders only the rows in view (plus a few): 100,000 streams or
 * 10,000 messages cost the same DOM as twenty. Rows have one fixed height.
 */

import type { ComponentChildren } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";

export interface VirtualListProps {
  readonly count: number;
  readonly rowHeight: number;
  readonly renderRow: (index: number) => ComponentChildren;
  /** Called with the first and last row in view whenever they change. */
  readonly onRange?: (first: number, last: number) => void;
  /** Keep the view at the bottom while it is there (a log). */
  readonly follow?: boolean;
  readonly label: string;
  readonly id?: string;
}

const OVERSCAN = 6;

export function VirtualList(props: VirtualListProps) {
  const { count, rowHeight, renderRow, onRange, follow, label } = props;
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  const atBottom = useRef(true);
  const latest = useRef({ count, rowHeight });
  latest.current = { count, rowHeight };

  // Up and Down move between rows, rendering the next one first if needed.
  // Delegated from the scroller (rows come and go as it scrolls).
  useEffect(() => {
    const element = ref.current!;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
      const row = (event.target as HTMLElement).closest<HTMLElement>("li.vrow");
      if (row === null) return;
      const { count, rowHeight } = latest.current;
      const next = Number(row.dataset.index) + (event.key === "ArrowDown" ? 1 : -1);
      if (next < 0 || next >= count) return;
      event.preventDefault();
      const top = next * rowHeight;
      if (top < element.scrollTop) element.scrollTop = top;
      else if (top + rowHeight > element.scrollTop + element.clientHeight) {
        element.scrollTop = top + rowHeight - element.clientHeight;
      }
      setScrollTop(element.scrollTop);
      const selector = `li[data-index="${next}"] a, li[data-index="${next}"] button`;
      requestAnimationFrame(() => element.querySelector<HTMLElement>(selector)?.focus());
    };
    element.addEventListener("keydown", onKeyDown);
    return () => element.removeEventListener("keydown", onKeyDown);
  }, []);

  useEffect(() => {
    const element = ref.current!;
    const observer = new ResizeObserver(() => setHeight(element.clientHeight));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  useLayoutEffect(() => {
    const element = ref.current!;
    if (follow && atBottom.current) {
      element.scrollTop = element.scrollHeight;
      setScrollTop(element.scrollTop);
    }
  }, [count, follow]);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const last = Math.min(count - 1, Math.ceil((scrollTop + height) / rowHeight) + OVERSCAN);
  const visibleFirst = Math.min(count - 1, Math.floor(scrollTop / rowHeight));
  const visibleLast = Math.min(count - 1, Math.ceil((scrollTop + height) / rowHeight));
  useEffect(() => {
    if (count > 0) onRange?.(Math.max(0, visibleFirst), Math.max(0, visibleLast));
  }, [visibleFirst, visibleLast, count, onRange]);

  const rows = [];
  for (let i = first; i <= last; i++) {
    rows.push(
      <li
        key={i}
        class="vrow"
        data-index={i}
        style={{ top: `${i * rowHeight}px`, height: `${rowHeight}px` }}
      >
        {renderRow(i)}
      </li>,
    );
  }
  return (
    <div
      ref={ref}
      class="vlist"
      id={props.id}
      onScroll={(event) => {
        const element = event.currentTarget;
        atBottom.current =
          element.scrollTop + element.clientHeight >= element.scrollHeight - rowHeight;
        setScrollTop(element.scrollTop);
      }}
    >
      <ul aria-label={label} style={{ height: `${count * rowHeight}px` }}>
        {rows}
      </ul>
    </div>
  );
}

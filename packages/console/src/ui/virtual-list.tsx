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
      <li key={i} class="vrow" style={{ top: `${i * rowHeight}px`, height: `${rowHeight}px` }}>
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

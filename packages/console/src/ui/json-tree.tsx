/**
 * Pretty-printed, collapsible JSON: objects and arrays are native
 * `<details>` (keyboard-operable, announced as expandable). Large containers
 * show their first entries only, so one huge message cannot freeze the page.
 */

const MAX_ENTRIES = 500;

export function JsonTree({ value }: { value: unknown }) {
  return (
    <div class="json-tree">
      <JsonNode value={value} label={null} depth={0} />
    </div>
  );
}

function JsonNode(props: { value: unknown; label: string | null; depth: number }) {
  const { value, label, depth } = props;
  const key = label === null ? null : <span class="j-key">{label}: </span>;
  if (value === null || typeof value !== "object") {
    return (
      <div class="j-leaf">
        {key}
        <Scalar value={value} />
      </div>
    );
  }
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((item, i) => [String(i), item])
    : Object.entries(value as Record<string, unknown>);
  const [open, close] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
  if (entries.length === 0) {
    return (
      <div class="j-leaf">
        {key}
        <span class="j-punct">
          {open}
          {close}
        </span>
      </div>
    );
  }
  const summary = Array.isArray(value) ? `${entries.length} items` : `${entries.length} keys`;
  return (
    <details open={depth < 3}>
      <summary>
        {key}
        <span class="j-punct">{open}</span>
        <span class="j-summary"> {summary} </span>
        <span class="j-punct j-closing">{close}</span>
      </summary>
      <div class="j-children">
        {entries.slice(0, MAX_ENTRIES).map(([name, item]) => (
          <JsonNode
            key={name}
            value={item}
            label={Array.isArray(value) ? null : JSON.stringify(name)}
            depth={depth + 1}
          />
        ))}
        {entries.length > MAX_ENTRIES && (
          <div class="muted">… {entries.length - MAX_ENTRIES} more</div>
        )}
      </div>
      <span class="j-punct">{close}</span>
    </details>
  );
}

function Scalar({ value }: { value: unknown }) {
  if (typeof value === "string") return <span class="j-string">{JSON.stringify(value)}</span>;
  if (typeof value === "number") return <span class="j-number">{String(value)}</span>;
  if (typeof value === "boolean") return <span class="j-bool">{String(value)}</span>;
  return <span class="j-null">null</span>;
}

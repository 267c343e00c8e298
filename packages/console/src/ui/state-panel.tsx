/**
 * The State view: one table per collection (State Protocol `type`) of the
 * latest entity per key, updating live, with the events applied and the
 * offset reached. Tables show at most `MAX_ROWS` entities, filtered by key.
 */

import { useEffect, useMemo, useState } from "preact/hooks";
import type { Connection } from "../model/connection.js";
import { useFrameThrottled } from "../model/observable.js";
import { StateView } from "../model/state-view.js";
import { formatCount } from "./format.js";

const MAX_ROWS = 200;
const MAX_COLUMNS = 8;

export function StatePanel(props: { connection: Connection; path: string }) {
  const view = useMemo(
    () => new StateView(props.connection, props.path),
    [props.connection, props.path],
  );
  useEffect(() => () => view.dispose(), [view]);
  useFrameThrottled(view.changes);
  const [filter, setFilter] = useState("");
  const types = view.state.types;
  return (
    <div class="state-panel">
      <p class="tail-status" role="status">
        <span class={`dot ${view.upToDate ? "live" : "connecting"}`} aria-hidden="true" />
        <span id="state-summary">
          {formatCount(view.applied)} events applied
          {view.controls > 0 && ` · ${formatCount(view.controls)} control`}
          {view.skipped > 0 && ` · ${formatCount(view.skipped)} other messages skipped`}
        </span>
        <span class="muted">
          {" · offset "}
          <span class="mono">{view.offset ?? "—"}</span>
          {view.upToDate ? " · up to date" : " · catching up"}
        </span>
      </p>
      {view.error && (
        <p class="error" role="alert">
          {view.error}
        </p>
      )}
      <div class="search">
        <label for="state-filter">Filter keys</label>
        <input
          id="state-filter"
          type="search"
          value={filter}
          spellcheck={false}
          onInput={(e) => setFilter(e.currentTarget.value)}
        />
      </div>
      {types.length === 0 && (
        <p class="empty">
          No State Protocol events in this stream
          {view.upToDate ? "" : " yet"}. They look like{" "}
          <code>{'{"type":"user","key":"1","value":{…},"headers":{"operation":"upsert"}}'}</code>.
        </p>
      )}
      {types.map((type) => (
        <CollectionTable
          key={type}
          type={type}
          entities={view.state.getType(type)}
          filter={filter}
        />
      ))}
    </div>
  );
}

function CollectionTable(props: { type: string; entities: Map<string, unknown>; filter: string }) {
  const { type, entities, filter } = props;
  const rows: [string, unknown][] = [];
  for (const entry of entities) {
    if (filter !== "" && !entry[0].includes(filter)) continue;
    rows.push(entry);
    if (rows.length >= MAX_ROWS) break;
  }
  rows.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const columns: string[] = [];
  for (const [, value] of rows) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) continue;
    for (const name of Object.keys(value)) {
      if (!columns.includes(name) && columns.length < MAX_COLUMNS) columns.push(name);
    }
  }
  const headingId = `collection-${type}`;
  return (
    <section class="collection" aria-labelledby={headingId}>
      <h3 id={headingId}>
        {type} <span class="muted">({formatCount(entities.size)})</span>
      </h3>
      <div class="table-scroll">
        <table data-collection={type}>
          <thead>
            <tr>
              <th scope="col">key</th>
              {columns.length === 0 ? (
                <th scope="col">value</th>
              ) : (
                columns.map((c) => (
                  <th key={c} scope="col">
                    {c}
                  </th>
                ))
              )}
            </tr>
          </thead>
          <tbody>
            {rows.map(([key, value]) => (
              <tr key={key}>
                <th scope="row" class="mono">
                  {key}
                </th>
                {columns.length === 0 ? (
                  <td>{cell(value)}</td>
                ) : (
                  columns.map((c) => (
                    <td key={c}>{cell((value as Record<string, unknown>)?.[c])}</td>
                  ))
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {entities.size > rows.length && filter === "" && (
        <p class="muted small">
          Showing {rows.length} of {formatCount(entities.size)}: filter by key to find others.
        </p>
      )}
    </section>
  );
}

function cell(value: unknown): string {
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  const text = JSON.stringify(value) ?? "";
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

// The editor page: a textarea bound to a Y.Text of one document, kept in sync
// by @durastream/yjs's provider; peers' cursors come from awareness.
import { YjsProvider } from "@durastream/yjs";
import { Awareness } from "y-protocols/awareness";
import * as Y from "yjs";

const config = window.EDITOR_CONFIG;
const doc = new Y.Doc();
const awareness = new Awareness(doc);
const name = new URLSearchParams(location.search).get("name") ?? `guest-${doc.clientID % 1000}`;
awareness.setLocalStateField("user", { name });
const provider = new YjsProvider({ doc, awareness, baseUrl: config.baseUrl, docId: config.docId });
const text = doc.getText("body");
const area = document.getElementById("editor");
const status = document.getElementById("status");
const peers = document.getElementById("peers");

// Local edits: the smallest change between the old and the new value.
area.addEventListener("input", () => {
  const before = text.toString();
  const after = area.value;
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let end = 0;
  while (
    end < before.length - start &&
    end < after.length - start &&
    before[before.length - 1 - end] === after[after.length - 1 - end]
  ) {
    end++;
  }
  doc.transact(() => {
    if (before.length - start - end > 0) text.delete(start, before.length - start - end);
    if (after.length - start - end > 0) text.insert(start, after.slice(start, after.length - end));
  }, "local");
});

// Remote edits: the new value, the caret moved by what changed before it.
text.observe((event) => {
  if (event.transaction.origin === "local") return;
  let caret = area.selectionStart;
  let at = 0;
  for (const change of event.changes.delta) {
    if (change.retain) at += change.retain;
    if (change.insert) {
      if (at <= caret) caret += change.insert.length;
      at += change.insert.length;
    }
    if (change.delete && at < caret) caret -= Math.min(change.delete, caret - at);
  }
  area.value = text.toString();
  area.setSelectionRange(caret, caret);
});

provider.on("status", (value) => {
  status.textContent = value;
});
provider.on("synced", (synced) => {
  document.body.dataset.synced = String(synced);
});
awareness.on("change", () => {
  const names = [...awareness.getStates().entries()]
    .filter(([id, state]) => id !== doc.clientID && state.user)
    .map(([, state]) => state.user.name);
  peers.textContent = names.length ? `also here: ${names.join(", ")}` : "nobody else here";
});

window.editor = { doc, text, provider, awareness };

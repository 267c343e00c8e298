// The chat page (bundled for the browser by app.mjs): TanStack AI's
// ChatClient on a durable session stream. Reload mid-answer, open a second
// tab, or regenerate an answer (a fork of the conversation) — every tab shows
// the same conversation, each token once.
import { durableStreamConnection } from "@durastream/tanstack-ai";
import { ChatClient } from "@tanstack/ai-client";

const $ = (selector) => document.querySelector(selector);

async function openChat() {
  let id = new URLSearchParams(location.search).get("chat");
  if (!id) {
    id = (await (await fetch("/api/chats", { method: "POST" })).json()).id;
    history.replaceState(null, "", `?chat=${id}`);
  }
  return (await fetch(`/api/chats/${id}`)).json();
}

const textOf = (message) =>
  message.parts
    .map((part) => (part.type === "text" ? (part.content ?? part.text ?? "") : ""))
    .join("");

function render(chat, messages) {
  $("#messages").replaceChildren(
    ...messages.map((message) => {
      const item = document.createElement("li");
      item.dataset.role = message.role;
      item.dataset.id = message.id;
      const text = document.createElement("span");
      text.className = "text";
      text.textContent = textOf(message);
      item.append(`${message.role}: `, text);
      if (message.role === "assistant") {
        const again = document.createElement("button");
        again.className = "regenerate";
        again.textContent = "regenerate from here";
        again.onclick = async () => {
          const response = await fetch(`/api/chats/${chat.id}/regenerate`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ messageId: message.id }),
          });
          location.search = `?chat=${(await response.json()).id}`;
        };
        item.append(" ", again);
      }
      return item;
    }),
  );
}

function renderBranches(chat) {
  const links = [];
  if (chat.parent) links.push(["original", chat.parent.id]);
  for (const branch of chat.branches) links.push(["branch", branch]);
  $("#branches").replaceChildren(
    ...links.map(([label, id]) => {
      const item = document.createElement("li");
      const link = Object.assign(document.createElement("a"), {
        href: `?chat=${id}`,
        textContent: `${label} ${id}`,
      });
      link.dataset.kind = label;
      item.append(link);
      return item;
    }),
  );
}

const chat = await openChat();
renderBranches(chat);
const client = new ChatClient({
  connection: durableStreamConnection({
    sendUrl: `/api/chats/${chat.id}/messages`,
    readUrl: chat.streamUrl,
  }),
  onMessagesChange: (messages) => render(chat, messages),
  onLoadingChange: (loading) => {
    $("#status").textContent = loading ? "generating" : "ready";
  },
});
client.subscribe();
$("#form").onsubmit = (event) => {
  event.preventDefault();
  const text = $("#prompt").value.trim();
  if (!text) return;
  $("#prompt").value = "";
  client.sendMessage(text);
};
$("#stop").onclick = () => fetch(`/api/chats/${chat.id}/stop`, { method: "POST" });
$("#status").textContent = "ready";
window.chat = { id: chat.id, client };

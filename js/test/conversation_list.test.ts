import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import widget, { CLOCK_TICK_MS } from "../src/conversation_list";
import type { Conversation } from "../src/types";
import { type FakeModel, fakeModel } from "./fake_model";

const NOW = new Date(2026, 10, 28, 12, 0, 0).getTime();

function conv(id: string, text = `msg ${id}`, extra: Partial<Conversation> = {}): Conversation {
  return {
    id,
    subject: null,
    participants: [{ id: `u-${id}`, name: `User ${id.toUpperCase()}` }],
    unread_message_count: 0,
    last_message: {
      id: `m-${id}`,
      type: "UserMessage",
      sender: { id: `u-${id}`, name: `User ${id.toUpperCase()}` },
      plaintext: text,
      created_at: NOW - 60_000,
      content: [{ type: "text", children: [text] }],
    },
    ...extra,
  };
}

let cleanups: Array<() => void> = [];

function mount(model: FakeModel, views = 1): HTMLElement[] {
  const stop = widget.initialize!({ model, signal: new AbortController().signal, experimental: {} as never });
  if (typeof stop === "function") cleanups.push(stop as () => void);
  // once per model, not per view: tells the kernel which seq the front end starts from
  expect(model.sent).toEqual([{ op: "ready", seq: model.get("_seq") }]);
  model.sent.length = 0;
  const els: HTMLElement[] = [];
  for (let i = 0; i < views; i++) {
    const el = document.createElement("div");
    document.body.append(el);
    const off = widget.render!({ model, el, signal: new AbortController().signal } as never);
    if (typeof off === "function") cleanups.push(off as () => void);
    cleanups.push(() => el.remove());
    els.push(el);
  }
  return els;
}

const titles = (el: HTMLElement) => [...el.querySelectorAll(".tw-cl-title")].map((t) => t.textContent);
const rowIds = (el: HTMLElement) => [...el.querySelectorAll<HTMLElement>(".tw-cl-item")].map((r) => r.dataset.id);

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(NOW);
});
afterEach(() => {
  for (const f of cleanups.reverse()) f();
  cleanups = [];
  vi.useRealTimers();
});

describe("ConversationList view", () => {
  it("renders rows in order with titles, previews, badges", () => {
    const model = fakeModel({
      conversations: [conv("a", "hi", { unread_message_count: 3 }), conv("b", "yo", { unread_message_count: 250 })],
    });
    const [el] = mount(model);
    expect(titles(el!)).toEqual(["User A", "User B"]);
    const badges = [...el!.querySelectorAll<HTMLElement>(".tw-cl-badge")];
    expect(badges.map((b) => b.textContent)).toEqual(["3", "99+"]);
    expect(el!.querySelector(".tw-cl-list")!.getAttribute("role")).toBe("listbox");
    expect(el!.querySelector(".tw-cl")!.hasAttribute("data-lm-suppress-shortcuts")).toBe(true);
    expect(el!.querySelector(".tw-cl")!.classList.contains("tw-theme")).toBe(true); // theme.css applies
    expect(el!.querySelector(".tw-cl-time")!.textContent).toBe("1m");
  });

  it("never interprets data as HTML", () => {
    const model = fakeModel({ conversations: [conv("x", "<img src=x onerror=alert(1)>", { subject: "<b>bold</b>" })] });
    const [el] = mount(model);
    expect(el!.querySelector(".tw-cl-title")!.textContent).toBe("<b>bold</b>");
    expect(el!.querySelector(".tw-cl-item b, .tw-cl-text img")).toBeNull();
  });

  it("applies patches once per model, for every view, incrementally", () => {
    const model = fakeModel({ conversations: [conv("a"), conv("b"), conv("c")], _seq: 4 });
    const [v1, v2] = mount(model, 2);
    const rowB = v1!.querySelector('[data-id="b"]');
    const rowA = v1!.querySelector('[data-id="a"]');
    model.deliver({
      op: "patch",
      seq: 5,
      ops: [
        { t: "put", at: 0, c: conv("c", "new!") },
        { t: "del", id: "a" },
      ],
    });
    expect(model.get("_seq")).toBe(5);
    expect(model.get("conversations").map((c) => c.id)).toEqual(["c", "b"]);
    expect(rowIds(v1!)).toEqual(["c", "b"]);
    expect(rowIds(v2!)).toEqual(["c", "b"]);
    expect(v1!.querySelector('[data-id="b"]')).toBe(rowB); // untouched row element kept
    expect(rowA!.isConnected).toBe(false);
    expect(v1!.querySelector('[data-id="c"] .tw-cl-text')!.textContent).toBe("new!");
    expect(model.saved).toEqual([]); // local only: nothing sent
    expect(model.sent).toEqual([]);
  });

  it("asks for a resync on a gap and ignores patches until the traits come back", () => {
    const model = fakeModel({ conversations: [conv("a")], _seq: 1 });
    const [el] = mount(model);
    model.deliver({ op: "patch", seq: 3, ops: [{ t: "del", id: "a" }] });
    expect(model.sent).toEqual([{ op: "resync" }]);
    model.deliver({ op: "patch", seq: 2, ops: [{ t: "del", id: "a" }] });
    expect(rowIds(el!)).toEqual(["a"]); // ignored while waiting
    model.kernelSet({ conversations: [conv("z"), conv("a")], _seq: 3 });
    expect(rowIds(el!)).toEqual(["z", "a"]);
    model.deliver({ op: "patch", seq: 4, ops: [{ t: "del", id: "z" }] });
    expect(rowIds(el!)).toEqual(["a"]);
    expect(model.sent).toEqual([{ op: "resync" }]);
  });

  it("ignores stale patches and resyncs on a malformed one", () => {
    const model = fakeModel({ conversations: [conv("a")], _seq: 5 });
    mount(model);
    model.deliver({ op: "patch", seq: 5, ops: [{ t: "del", id: "a" }] });
    expect(model.get("conversations")).toHaveLength(1);
    expect(model.sent).toEqual([]);
    model.deliver({ op: "patch", seq: 6, ops: [{ t: "put", at: 9, c: conv("q") }] });
    expect(model.sent).toEqual([{ op: "resync" }]);
    expect(model.get("_seq")).toBe(5);
  });

  it("reconciles a full trait change by id, keeping row elements", () => {
    const model = fakeModel({ conversations: ["a", "b", "c", "d"].map((i) => conv(i)) });
    const [el] = mount(model);
    const before = new Map(rowIds(el!).map((id) => [id, el!.querySelector(`[data-id="${id}"]`)]));
    model.kernelSet({ conversations: ["d", "a", "c", "e"].map((i) => conv(i)) });
    expect(rowIds(el!)).toEqual(["d", "a", "c", "e"]);
    for (const id of ["a", "c", "d"]) expect(el!.querySelector(`[data-id="${id}"]`)).toBe(before.get(id));
  });

  it("selects by click and keyboard: sets selected_id locally, sends select, never save_changes", () => {
    const model = fakeModel({ conversations: [conv("a"), conv("b"), conv("c")] });
    const [el] = mount(model);
    el!.querySelector<HTMLElement>('[data-id="b"]')!.click();
    expect(model.get("selected_id")).toBe("b");
    expect(model.saved).toEqual([]);
    expect(model.sent.at(-1)).toEqual({ op: "select", id: "b" });
    expect(el!.querySelector('[aria-selected="true"]')!.getAttribute("data-id")).toBe("b");

    const list = el!.querySelector<HTMLElement>(".tw-cl-list")!;
    const key = (k: string) =>
      document.activeElement!.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true }));
    key("ArrowDown");
    expect((document.activeElement as HTMLElement).dataset.id).toBe("c");
    key("Home");
    expect((document.activeElement as HTMLElement).dataset.id).toBe("a");
    key("End");
    key("ArrowUp");
    expect((document.activeElement as HTMLElement).dataset.id).toBe("b");
    key("ArrowUp");
    key("Enter");
    expect(model.get("selected_id")).toBe("a");
    expect(model.sent.at(-1)).toEqual({ op: "select", id: "a" });
    expect(list.querySelectorAll('[tabindex="0"]')).toHaveLength(1);
  });

  it("keeps keyboard focus in the list when the focused row moves or goes away", () => {
    const model = fakeModel({ conversations: [conv("a"), conv("b"), conv("c")], _seq: 1 });
    const [el] = mount(model);
    el!.querySelector<HTMLElement>('[data-id="b"]')!.focus();
    model.deliver({ op: "patch", seq: 2, ops: [{ t: "put", at: 0, c: conv("b", "moved") }] });
    expect((document.activeElement as HTMLElement).dataset.id).toBe("b");
    model.deliver({ op: "patch", seq: 3, ops: [{ t: "del", id: "b" }] });
    expect((document.activeElement as HTMLElement).classList.contains("tw-cl-item")).toBe(true);
    expect(el!.querySelectorAll('.tw-cl-item[tabindex="0"]')).toHaveLength(1);
  });

  it("stops keydown propagation so notebook shortcuts do not fire", () => {
    const model = fakeModel({ conversations: [conv("a")] });
    const [el] = mount(model);
    const seen = vi.fn();
    document.addEventListener("keydown", seen);
    el!
      .querySelector<HTMLElement>(".tw-cl-item")!
      .dispatchEvent(new KeyboardEvent("keydown", { key: "a", bubbles: true }));
    document.removeEventListener("keydown", seen);
    expect(seen).not.toHaveBeenCalled();
  });

  it("load more, loading, empty and error states", () => {
    const model = fakeModel({ state: "pending" });
    const [el] = mount(model);
    const placeholder = el!.querySelector<HTMLElement>(".tw-cl-placeholder")!;
    const more = el!.querySelector<HTMLButtonElement>(".tw-cl-more")!;
    expect(placeholder.dataset.kind).toBe("loading");
    expect(more.hidden).toBe(true);
    model.kernelSet({ state: "active" });
    expect(placeholder.textContent).toContain("No conversations yet");
    model.kernelSet({ conversations: [conv("a")] });
    expect(placeholder.hidden).toBe(true);
    expect(more.hidden).toBe(false);
    more.click();
    expect(model.sent).toEqual([{ op: "load_more", count: 20 }]);
    model.kernelSet({ loading_more: true });
    expect(more.disabled).toBe(true);
    model.kernelSet({ loading_more: false, loaded_all: true });
    expect(more.hidden).toBe(true);
    const banner = el!.querySelector<HTMLElement>(".tw-cl-banner")!;
    expect(banner.hidden).toBe(true);
    model.kernelSet({ state: "error", error: "Token expired" });
    expect(banner.hidden).toBe(false);
    expect(banner.textContent).toBe("Token expired");
    expect(banner.getAttribute("aria-live")).toBe("assertive");
    model.kernelSet({ connection: "reconnecting" });
    expect(el!.querySelector(".tw-cl-conn")!.getAttribute("title")).toBe("Reconnecting…");
  });

  it("keeps relative times current and cleans up on removal", () => {
    const model = fakeModel({ conversations: [conv("a")] });
    const [el] = mount(model);
    const time = el!.querySelector(".tw-cl-time")!;
    expect(time.textContent).toBe("1m");
    vi.advanceTimersByTime(5 * 60_000 + CLOCK_TICK_MS);
    expect(time.textContent).toBe("6m");
    const n = model.listenerCount();
    for (const f of cleanups.reverse()) f();
    cleanups = [];
    expect(model.listenerCount()).toBeLessThan(n);
    expect(model.listenerCount()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});

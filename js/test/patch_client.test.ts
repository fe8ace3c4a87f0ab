// @vitest-environment node
// The patch client on its own, keeping a list under trait names of its caller's choosing
// (a message thread here), so any widget with a patched list can reuse it. No DOM: plain Node.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { attachPatchClient, listOf, patchThatMade, RESYNC_RETRY_MS } from "../src/patch_client";
import { type FakeModel, fakeModelOf } from "./fake_model";

interface Message {
  id: string;
  text: string;
}
type Thread = { messages: Message[]; messages_seq: number; title: string };

const TRAITS = { list: "messages", seq: "messages_seq" };
const m = (id: string, text = `text ${id}`): Message => ({ id, text });

const stops: Array<() => void> = [];
function attach(messages: Message[], seq: number): FakeModel<Thread> {
  const model = fakeModelOf<Thread>({ messages, messages_seq: seq, title: "t" });
  stops.push(attachPatchClient(model, TRAITS));
  return model;
}
const ids = (model: FakeModel<Thread>) => listOf<Message>(model, "messages").map((x) => x.id);

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date(2026, 0, 1));
});
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("attachPatchClient", () => {
  it("announces the seq it starts from, once", () => {
    const model = attach([m("a")], 7);
    expect(model.sent).toEqual([{ op: "ready", seq: 7 }]);
  });

  it("applies the next patch to the list trait it keeps, locally, and remembers the patch", () => {
    const a = m("a");
    const b = m("b");
    const model = attach([a, b], 3);
    model.sent.length = 0;
    const before = model.get("messages");
    const ops = [
      { t: "put", at: 0, c: m("c") },
      { t: "del", id: "a" },
    ];
    model.deliver({ op: "patch", seq: 4, ops });
    expect(ids(model)).toEqual(["c", "b"]);
    expect(model.get("messages_seq")).toBe(4);
    expect(model.get("messages")[1]).toBe(b); // untouched items keep their identity
    expect(model.get("title")).toBe("t");
    expect(model.sent).toEqual([]);
    expect(model.saved).toEqual([]); // model.set only: no save_changes
    const record = patchThatMade(model.get("messages"));
    expect(record?.prev).toBe(before);
    expect(record?.ops).toEqual(ops);
    expect(patchThatMade(before)).toBeUndefined();
  });

  it("ignores stale or unnumbered patches and other messages", () => {
    const model = attach([m("a")], 5);
    model.sent.length = 0;
    model.deliver({ op: "patch", seq: 5, ops: [{ t: "del", id: "a" }] });
    model.deliver({ op: "patch", seq: 2, ops: [{ t: "del", id: "a" }] });
    model.deliver({ op: "patch", seq: "six", ops: [{ t: "del", id: "a" }] });
    model.deliver({ op: "patch", seq: 6.5, ops: [{ t: "del", id: "a" }] });
    model.deliver({ op: "select", id: "a" });
    model.deliver(null);
    expect(ids(model)).toEqual(["a"]);
    expect(model.get("messages_seq")).toBe(5);
    expect(model.sent).toEqual([]);
  });

  it("on a gap asks for a resync, waits for the kernel's traits, then follows again", () => {
    const model = attach([m("a")], 1);
    model.sent.length = 0;
    model.deliver({ op: "patch", seq: 3, ops: [{ t: "del", id: "a" }] });
    expect(model.sent).toEqual([{ op: "resync" }]);
    model.deliver({ op: "patch", seq: 2, ops: [{ t: "del", id: "a" }] }); // the right number, but too late
    expect(ids(model)).toEqual(["a"]);
    expect(model.sent).toEqual([{ op: "resync" }]);

    model.kernelSet({ messages: [m("z"), m("a")], messages_seq: 3 });
    model.deliver({ op: "patch", seq: 4, ops: [{ t: "del", id: "z" }] });
    expect(ids(model)).toEqual(["a"]);
    expect(model.get("messages_seq")).toBe(4);
    expect(model.sent).toEqual([{ op: "resync" }]);
  });

  it("asks again when patches keep coming for RESYNC_RETRY_MS without the traits", () => {
    const model = attach([m("a")], 1);
    model.sent.length = 0;
    model.deliver({ op: "patch", seq: 9, ops: [] });
    vi.advanceTimersByTime(RESYNC_RETRY_MS);
    model.deliver({ op: "patch", seq: 10, ops: [] });
    expect(model.sent).toEqual([{ op: "resync" }]); // not yet
    vi.advanceTimersByTime(1);
    model.deliver({ op: "patch", seq: 11, ops: [] });
    expect(model.sent).toEqual([{ op: "resync" }, { op: "resync" }]);
  });

  it("a patch that does not apply leaves the list alone and asks for a resync", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const model = attach([m("a")], 1);
    model.sent.length = 0;
    model.deliver({ op: "patch", seq: 2, ops: [{ t: "put", at: 5, c: m("q") }] });
    expect(ids(model)).toEqual(["a"]);
    expect(model.get("messages_seq")).toBe(1);
    expect(model.sent).toEqual([{ op: "resync" }]);
    expect(warn).toHaveBeenCalledOnce();
  });

  it("treats a missing list as empty and stops listening when stopped", () => {
    const model = fakeModelOf<Thread>({ messages: null as unknown as Message[], messages_seq: 0, title: "" });
    const stop = attachPatchClient(model, TRAITS);
    model.deliver({ op: "patch", seq: 1, ops: [{ t: "put", at: 0, c: m("a") }] });
    expect(ids(model)).toEqual(["a"]);
    expect(model.listenerCount()).toBe(3);
    stop();
    expect(model.listenerCount()).toBe(0);
    model.deliver({ op: "patch", seq: 2, ops: [{ t: "del", id: "a" }] });
    expect(ids(model)).toEqual(["a"]);
  });
});

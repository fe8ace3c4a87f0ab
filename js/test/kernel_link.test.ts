import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import cl from "../src/conversation_list";
import fd, { uploaderOf } from "../src/file_drop";
import { HEARTBEAT_MS, KernelLink, offlineText, PONG_TIMEOUT_MS } from "../src/kernel_link";
import type { FileDropModel } from "../src/types";
import { type FakeModel, fakeModel, fakeModelOf } from "./fake_model";

let cleanups: Array<() => void> = [];
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  for (const f of cleanups.reverse()) f();
  cleanups = [];
  vi.useRealTimers();
});

function link(model: FakeModel): KernelLink {
  const l = new KernelLink(model);
  cleanups.push(() => l.dispose());
  return l;
}

describe("KernelLink", () => {
  it("pings at once and on every heartbeat; answers keep it live", () => {
    const model = fakeModel();
    const l = link(model);
    expect(model.pings).toEqual([{ op: "ping", n: 1 }]);
    expect(l.state()).toEqual({ live: true, reason: null });
    vi.advanceTimersByTime(HEARTBEAT_MS);
    expect(model.pings).toHaveLength(2);
    vi.advanceTimersByTime(PONG_TIMEOUT_MS * 3);
    expect(l.state().live).toBe(true);
  });

  it("a kernel that stops answering is 'silent' after the bounded wait, and live again when it answers", () => {
    const model = fakeModel();
    const l = link(model);
    const changes: string[] = [];
    l.subscribe(() => changes.push(JSON.stringify(l.state())));
    model.kernelAnswers = false;
    l.check();
    vi.advanceTimersByTime(PONG_TIMEOUT_MS - 1);
    expect(l.state().live).toBe(true);
    vi.advanceTimersByTime(1);
    expect(l.state()).toEqual({ live: false, reason: "silent" });
    expect(offlineText(l.state())).toMatch(/does not answer/);
    l.check(); // asked again (a user action): unanswered too
    model.kernelAnswers = true;
    vi.advanceTimersByTime(PONG_TIMEOUT_MS + HEARTBEAT_MS); // one ping at a time: the next one is answered
    expect(l.state()).toEqual({ live: true, reason: null });
    expect(changes).toEqual(['{"live":false,"reason":"silent"}', '{"live":true,"reason":null}']);
  });

  it("a kernel restart (JupyterLab's comm_live_update, then no answer) ends it: no more pings", () => {
    const model = fakeModel();
    const l = link(model);
    const gone = vi.fn();
    l.onClose(gone);
    model.kernelAnswers = false; // the new kernel does not know this comm
    model.emit("comm_live_update");
    vi.advanceTimersByTime(PONG_TIMEOUT_MS);
    expect(l.state()).toEqual({ live: false, reason: "restarted" });
    expect(offlineText(l.state())).toMatch(/kernel restarted/);
    expect(gone).toHaveBeenCalledTimes(1);
    const pings = model.pings.length;
    vi.advanceTimersByTime(HEARTBEAT_MS * 5);
    expect(model.pings).toHaveLength(pings);
  });

  it("comm_live_update with an answer is not a restart (a reconnect)", () => {
    const model = fakeModel();
    const l = link(model);
    model.emit("comm_live_update");
    vi.advanceTimersByTime(PONG_TIMEOUT_MS * 2);
    expect(l.state().live).toBe(true);
  });

  it("a closed comm or a destroyed model ends it at once", () => {
    for (const event of ["comm:close", "destroy"]) {
      const model = fakeModel();
      const l = link(model);
      const gone = vi.fn();
      l.onClose(gone);
      model.emit(event);
      expect(l.state()).toEqual({ live: false, reason: "closed" });
      expect(gone).toHaveBeenCalledTimes(1);
      const late = vi.fn();
      l.onClose(late); // too late to hear it: told at once
      expect(late).toHaveBeenCalledTimes(1);
    }
  });

  it("no heartbeat while the page is hidden; a check when it shows again", () => {
    const model = fakeModel();
    link(model);
    const hidden = vi.spyOn(document, "visibilityState", "get").mockReturnValue("hidden");
    vi.advanceTimersByTime(HEARTBEAT_MS * 3);
    expect(model.pings).toHaveLength(1);
    hidden.mockReturnValue("visible");
    document.dispatchEvent(new Event("visibilitychange"));
    expect(model.pings).toHaveLength(2);
    hidden.mockRestore();
  });
});

function mountList(model: FakeModel): HTMLElement {
  const stop = cl.initialize!({ model, signal: new AbortController().signal, experimental: {} as never });
  const el = document.createElement("div");
  document.body.append(el);
  const off = cl.render!({ model, el, signal: new AbortController().signal } as never);
  cleanups.push(() => {
    if (typeof off === "function") (off as () => void)();
    if (typeof stop === "function") (stop as () => void)();
    el.remove();
  });
  return el;
}

const conv = (id: string) => ({ id, subject: `Topic ${id}`, participants: [], last_message: null });

describe("ConversationList without a kernel", () => {
  it("shows a disconnected state and selects nothing until the kernel answers again", () => {
    const model = fakeModel({ conversations: [conv("a"), conv("b")], state: "active", connection: "connected" });
    const el = mountList(model);
    model.sent.length = 0;
    const root = el.querySelector<HTMLElement>(".tw-cl")!;
    const dot = el.querySelector(".tw-cl-conn")!;
    expect(root.dataset.link).toBe("live");
    expect(dot.getAttribute("aria-label")).toBe("Connection: Connected");

    model.kernelAnswers = false;
    model.emit("comm_live_update"); // what JupyterLab does on a kernel restart
    vi.advanceTimersByTime(PONG_TIMEOUT_MS);
    expect(root.dataset.link).toBe("offline");
    expect(dot.className).toContain("tw-cl-conn--kernel-offline");
    expect(dot.getAttribute("aria-label")).toBe("Connection: Kernel offline");
    const banner = el.querySelector<HTMLElement>(".tw-cl-banner")!;
    expect(banner.hidden).toBe(false);
    expect(banner.textContent).toMatch(/^Disconnected: the kernel restarted/);
    expect(el.querySelector(".tw-cl-list")!.getAttribute("aria-disabled")).toBe("true");

    el.querySelector<HTMLElement>('.tw-cl-item[data-id="b"]')!.click();
    el.querySelector<HTMLElement>(".tw-cl-item")!.dispatchEvent(
      new KeyboardEvent("keydown", { key: "Enter", bubbles: true }),
    );
    expect(model.sent).toEqual([]); // nothing goes nowhere
    expect(model.get("selected_id")).toBeNull();
    expect(el.querySelector<HTMLButtonElement>(".tw-cl-more")!.disabled).toBe(true);
  });

  it("a silent kernel greys the list out, and it comes back with the next answer", () => {
    const model = fakeModel({ conversations: [conv("a")], state: "active" });
    const el = mountList(model);
    model.sent.length = 0;
    model.kernelAnswers = false;
    vi.advanceTimersByTime(HEARTBEAT_MS + PONG_TIMEOUT_MS);
    expect(el.querySelector<HTMLElement>(".tw-cl")!.dataset.link).toBe("offline");
    expect(el.querySelector(".tw-cl-conn")!.getAttribute("title")).toBe("Kernel not answering");
    el.querySelector<HTMLElement>(".tw-cl-item")!.click();
    expect(model.sent).toEqual([]);
    model.kernelAnswers = true;
    vi.advanceTimersByTime(PONG_TIMEOUT_MS + HEARTBEAT_MS);
    expect(el.querySelector<HTMLElement>(".tw-cl")!.dataset.link).toBe("live");
    expect(el.querySelector<HTMLElement>(".tw-cl-banner")!.hidden).toBe(true);
    el.querySelector<HTMLElement>(".tw-cl-item")!.click();
    expect(model.sent).toEqual([{ op: "select", id: "a" }]);
  });
});

function fileDropModel(): FakeModel<FileDropModel> {
  return fakeModelOf<FileDropModel>({
    rows: [],
    accept: "",
    max_size: 0,
    backend_max_size: 0,
    limit_note: "",
    multiple: true,
    recorder: false,
    direct: false,
    chunk_size: 1000,
    window: 2,
  });
}

describe("FileDrop without a kernel", () => {
  it("disables the zone, takes no file, and fails unfinished transfers once the kernel is gone", async () => {
    const model = fileDropModel();
    const el = document.createElement("div");
    document.body.append(el);
    const off = fd.render!({ model, el, signal: new AbortController().signal } as never);
    cleanups.push(() => {
      if (typeof off === "function") (off as () => void)();
      el.remove();
    });
    const up = uploaderOf(model as never);
    up.addFiles([new File([new Uint8Array(10)], "a.bin")]);
    await vi.advanceTimersByTimeAsync(1);
    expect(model.sent.map((m) => (m as { op: string }).op)).toEqual(["begin", "chunk"]);

    model.kernelAnswers = false;
    model.emit("comm_live_update");
    await vi.advanceTimersByTimeAsync(PONG_TIMEOUT_MS);
    const root = el.querySelector<HTMLElement>(".tw-fd")!;
    const zone = el.querySelector<HTMLElement>(".tw-fd-zone")!;
    expect(root.dataset.link).toBe("offline");
    expect(zone.getAttribute("aria-disabled")).toBe("true");
    expect(zone.tabIndex).toBe(-1);
    expect(el.querySelector<HTMLInputElement>(".tw-fd-input")!.disabled).toBe(true);
    expect(el.querySelector<HTMLElement>(".tw-fd-offline")!.textContent).toMatch(/the kernel restarted/);
    expect(el.querySelector(".tw-fd-row .tw-fd-error")!.textContent).toBe("the kernel restarted");

    const clicks = vi.spyOn(el.querySelector<HTMLInputElement>(".tw-fd-input")!, "click");
    zone.click();
    expect(clicks).not.toHaveBeenCalled();
    const drop = new Event("drop", { bubbles: true, cancelable: true }) as Event & { dataTransfer: unknown };
    drop.dataTransfer = { files: [new File([new Uint8Array(5)], "late.bin")] };
    zone.dispatchEvent(drop);
    await vi.advanceTimersByTimeAsync(1);
    expect(el.querySelectorAll(".tw-fd-row")).toHaveLength(1); // the drop was not taken
    expect(el.querySelector(".tw-fd-sr")!.textContent).toContain("Not sent: Disconnected");
    expect(model.sent.map((m) => (m as { op: string }).op)).toEqual(["begin", "chunk"]);
  });
});

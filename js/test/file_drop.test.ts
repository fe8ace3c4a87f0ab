import { afterEach, describe, expect, it, vi } from "vitest";
import widget, { uploaderOf } from "../src/file_drop";
import type { FileDropModel } from "../src/types";
import { KERNEL_RESTARTED, KERNEL_SILENT, STALL_MS } from "../src/uploader";
import { isPing } from "./fake_model";

// --- the protocol, driven through the real view with a fake model --------------------------------

type Handler = (...args: unknown[]) => void;

interface Sent {
  content: Record<string, unknown>;
  buffers: ArrayBuffer[];
}

function fakeModel(initial: Partial<FileDropModel> = {}) {
  const state: Record<string, unknown> = {
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
    ...initial,
  };
  const listeners = new Map<string, Handler[]>();
  const emit = (ev: string, ...args: unknown[]) => {
    for (const f of (listeners.get(ev) ?? []).slice()) f(...args);
  };
  const sent: Sent[] = [];
  const kernel = { answers: true, pings: 0 };
  const model = {
    get: (k: string) => state[k],
    set: (k: string, v: unknown) => {
      state[k] = v;
      emit(`change:${k}`);
    },
    on: (ev: string, f: Handler) => listeners.set(ev, [...(listeners.get(ev) ?? []), f]),
    off: (ev: string, f: Handler) =>
      listeners.set(
        ev,
        (listeners.get(ev) ?? []).filter((g) => g !== f),
      ),
    save_changes: () => {},
    send: (content: Record<string, unknown>, _cb?: unknown, buffers?: ArrayBuffer[]) => {
      if (isPing(content)) {
        kernel.pings++;
        if (kernel.answers) emit("msg:custom", { op: "pong", n: content.n }, []);
        return;
      }
      sent.push({ content, buffers: buffers ?? [] });
    },
    widget_manager: {},
  };
  return {
    model,
    kernel,
    sent,
    ops: () => sent.map((s) => s.content.op),
    deliver: (msg: unknown) => emit("msg:custom", msg, []),
    emit,
    kernelSet: (values: Record<string, unknown>) => {
      for (const [k, v] of Object.entries(values)) {
        state[k] = v;
        emit(`change:${k}`);
      }
    },
    listenerCount: () => [...listeners.values()].reduce((n, l) => n + l.length, 0),
  };
}

let cleanups: Array<() => void> = [];
afterEach(() => {
  for (const f of cleanups.reverse()) f();
  cleanups = [];
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

function mount(initial: Partial<FileDropModel> = {}) {
  const fm = fakeModel(initial);
  const model = fm.model as never;
  const stop = widget.initialize!({ model, signal: new AbortController().signal, experimental: {} as never });
  const el = document.createElement("div");
  document.body.append(el);
  const off = widget.render!({ model, el, signal: new AbortController().signal } as never);
  cleanups.push(() => {
    if (typeof off === "function") (off as () => void)();
    if (typeof stop === "function") (stop as () => void)();
    el.remove();
  });
  const uploader = uploaderOf(model);
  return { ...fm, el, uploader };
}

const flush = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
};
const bytes = (n: number, fill = 1) =>
  new File([new Uint8Array(n).fill(fill)], "data.bin", { type: "application/octet-stream" });
const rowOf = (el: HTMLElement, i = 0) => el.querySelectorAll<HTMLElement>(".tw-fd-row")[i]!;

describe("FileDrop view and transfers", () => {
  it("renders the drop zone as a keyboard button and keeps keys from the notebook", () => {
    const { el } = mount({ accept: "image/*", max_size: 2048 });
    const zone = el.querySelector<HTMLElement>(".tw-fd-zone")!;
    expect(zone.getAttribute("role")).toBe("button");
    expect(zone.tabIndex).toBe(0);
    expect(el.querySelector(".tw-fd-zone-hint")!.textContent).toBe("Images · up to 2 KiB");
    const input = el.querySelector<HTMLInputElement>("input[type=file]")!;
    expect(input.accept).toBe("image/*");
    expect(input.multiple).toBe(true);
    const clicks = vi.spyOn(input, "click").mockImplementation(() => {});
    zone.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    zone.dispatchEvent(new KeyboardEvent("keydown", { key: " ", bubbles: true }));
    zone.dispatchEvent(new KeyboardEvent("keyup", { key: " ", bubbles: true }));
    expect(clicks).toHaveBeenCalledTimes(2);
    const leaked = vi.fn();
    document.addEventListener("keydown", leaked);
    zone.dispatchEvent(new KeyboardEvent("keydown", { key: "a", bubbles: true }));
    document.removeEventListener("keydown", leaked);
    expect(leaked).not.toHaveBeenCalled();
    expect(el.querySelector(".tw-fd")!.getAttribute("data-lm-suppress-shortcuts")).toBe("true");
    expect(el.querySelector(".tw-fd")!.classList.contains("tw-theme")).toBe(true); // theme.css applies
  });

  it("multiple=false: one file in the picker", () => {
    const { el } = mount({ multiple: false });
    expect(el.querySelector<HTMLInputElement>("input[type=file]")!.multiple).toBe(false);
  });

  it("chunked path: begin with the chunking and the first window at once, acks, end, done", async () => {
    const t = mount({ direct: false });
    t.uploader.addFiles([bytes(2500)]);
    await flush();
    expect(t.sent[0]!.content).toMatchObject({
      op: "begin",
      name: "data.bin",
      size: 2500,
      kind: "file",
      type: "application/octet-stream",
      chunk_size: 1000, // the model's traits: no round trip for ready
      window: 2,
    });
    expect(rowOf(t.el).dataset.state).toBe("sending");
    const id = t.sent[0]!.content.id as string;
    expect(t.ops()).toEqual(["begin", "chunk", "chunk"]); // window of 2
    expect(t.sent[1]!.content).toEqual({ op: "chunk", id, seq: 0, offset: 0 });
    expect(t.sent[1]!.buffers[0]!.byteLength).toBe(1000);
    t.deliver({ op: "ack", id, seq: 0, received: 1000 });
    await flush();
    expect(t.ops()).toEqual(["begin", "chunk", "chunk", "chunk"]);
    expect(t.sent[3]!.content).toEqual({ op: "chunk", id, seq: 2, offset: 2000 });
    expect(t.sent[3]!.buffers[0]!.byteLength).toBe(500);
    const bar = rowOf(t.el).querySelector(".tw-fd-progress")!;
    expect(bar.getAttribute("role")).toBe("progressbar");
    expect(bar.getAttribute("aria-valuenow")).toBe("40");
    t.deliver({ op: "ack", id, seq: 1, received: 2000 });
    t.deliver({ op: "ack", id, seq: 2, received: 2500 });
    await flush();
    expect(t.ops().at(-1)).toBe("end");
    expect(rowOf(t.el).dataset.state).toBe("uploading");
    t.deliver({ op: "done", id });
    await flush();
    expect(rowOf(t.el).dataset.state).toBe("done");
    expect(rowOf(t.el).querySelector(".tw-fd-status")!.textContent).toBe("Done");
    expect(t.ops().filter((o) => o === "chunk")).toHaveLength(3);
  });

  it("without a known chunking, begin waits for the kernel's ready; a stray ready is skipped", async () => {
    const t = mount({ direct: false, chunk_size: null as never });
    t.uploader.addFiles([bytes(1500)]);
    await flush();
    expect(t.ops()).toEqual(["begin"]);
    expect(t.sent[0]!.content).not.toHaveProperty("chunk_size");
    const id = t.sent[0]!.content.id as string;
    t.deliver({ op: "ready", id, chunk_size: 1000, window: 1 });
    await flush();
    expect(t.ops()).toEqual(["begin", "chunk"]);
    t.deliver({ op: "ready", id, chunk_size: 1000, window: 1 }); // a protocol-2 kernel's answer, late
    t.deliver({ op: "ack", id, seq: 0, received: 1000 });
    await flush();
    expect(t.ops()).toEqual(["begin", "chunk", "chunk"]);
    t.deliver({ op: "ack", id, seq: 1, received: 1500 });
    await flush();
    expect(t.ops().at(-1)).toBe("end");
  });

  it("the kernel's rows give metadata and final states; local progress stays local", async () => {
    const t = mount();
    t.uploader.addFiles([bytes(10)]);
    await flush();
    const id = t.sent[0]!.content.id as string;
    t.kernelSet({
      rows: [
        {
          id: "old",
          name: "old.png",
          kind: "image",
          size: 351,
          metadata: { filename: "old.png", width: 64, height: 48 },
          status: "done",
          error: "",
          path: "direct",
        },
        {
          id,
          name: "data.bin",
          kind: "file",
          size: 10,
          metadata: { filename: "data.bin" },
          status: "error",
          error: "backend said no",
          path: "chunked",
        },
      ],
    });
    await flush();
    const rows = t.el.querySelectorAll<HTMLElement>(".tw-fd-row");
    expect([...rows].map((r) => r.dataset.id)).toEqual(["old", id]);
    expect(rows[0]!.querySelector(".tw-fd-meta")!.textContent).toBe("Image · 64×48 · 351 B");
    expect(rows[1]!.dataset.state).toBe("error");
    expect(rows[1]!.querySelector(".tw-fd-error")!.textContent).toBe("backend said no");
  });

  it("refuses wrong types and big files without sending any of their bytes", async () => {
    const t = mount({ accept: "image/*", max_size: 100 });
    t.uploader.addFiles([bytes(10), new File([new Uint8Array(200)], "big.png", { type: "image/png" })]);
    await flush();
    expect(t.ops()).toEqual(["refused", "refused"]); // word of them, for `uploads`; no begin, no chunk
    expect(t.sent.every((s) => s.buffers.length === 0)).toBe(true);
    expect(rowOf(t.el, 0).querySelector(".tw-fd-error")!.textContent).toMatch(/^type not accepted/);
    expect(rowOf(t.el, 1).querySelector(".tw-fd-error")!.textContent).toBe("too large: 200 B, the limit is 100 B");
    expect(rowOf(t.el, 1).querySelector(".tw-fd-status")!.textContent).toBe("Not sent");
    expect(t.el.querySelector(".tw-fd-sr")!.textContent).toContain("data.bin: type not accepted");
  });

  it("the backend's limit applies when it is the smaller one, and the hint says it", async () => {
    const t = mount({ max_size: 0, backend_max_size: 0, limit_note: "" });
    const hint = t.el.querySelector(".tw-fd-zone-hint")!;
    expect(hint.textContent).toBe("Any file"); // the kernel is still asking
    t.kernelSet({ backend_max_size: 26214400, limit_note: "the limit of the embedded emulator" });
    expect(hint.textContent).toBe("Any file · up to 25 MiB");
    expect(hint.getAttribute("title")).toBe("the limit of the embedded emulator");
    t.kernelSet({ max_size: 1000 });
    expect(hint.textContent).toBe("Any file · up to 1000 B");
    t.kernelSet({ max_size: 0, backend_max_size: 0, limit_note: "TalkJS does not publish its upload size limit" });
    expect(hint.textContent).toBe("Any file · TalkJS does not publish its upload size limit");
    t.kernelSet({ backend_max_size: 2048, limit_note: "the limit of the server" });
    t.uploader.addFiles([bytes(2049)]);
    await flush();
    expect(t.ops()).toEqual(["refused"]);
    expect(rowOf(t.el).querySelector(".tw-fd-error")!.textContent).toBe(
      "too large: 2,049 bytes, the limit is 2,048 bytes (2 KiB)",
    );
  });

  it("a rejected begin shows the kernel's reason", async () => {
    const t = mount();
    t.uploader.addFiles([bytes(10)]);
    await flush();
    const id = t.sent[0]!.content.id as string;
    t.deliver({ op: "rejected", id, reason: "data.bin: this type is not accepted here (image/*)" });
    await flush();
    expect(rowOf(t.el).querySelector(".tw-fd-error")!.textContent).toBe(
      "data.bin: this type is not accepted here (image/*)",
    );
  });

  it("cancel stops sending, tells the kernel, and ignores late acks", async () => {
    const t = mount();
    t.uploader.addFiles([bytes(5000)]);
    await flush();
    const id = t.sent[0]!.content.id as string;
    t.deliver({ op: "ready", id, chunk_size: 1000, window: 2 });
    await flush();
    (rowOf(t.el).querySelector(".tw-fd-cancel") as HTMLButtonElement).click();
    await flush();
    expect(t.ops()).toEqual(["begin", "chunk", "chunk", "cancel"]);
    t.deliver({ op: "ack", id, seq: 0, received: 1000 });
    t.deliver({ op: "ack", id, seq: 1, received: 2000 });
    await flush();
    expect(t.ops()).toEqual(["begin", "chunk", "chunk", "cancel"]);
    expect(rowOf(t.el).dataset.state).toBe("cancelled");
    expect((rowOf(t.el).querySelector(".tw-fd-cancel") as HTMLElement).hidden).toBe(true);
  });

  it("direct path: POSTs the file with the token, then reports the file token", async () => {
    const fetchMock = vi.fn(async () => new Response(JSON.stringify({ fileToken: "ft_1" }), { status: 200 }));
    vi.stubGlobal("fetch", fetchMock);
    const t = mount({ direct: true });
    t.uploader.addFiles([bytes(10)]);
    await flush();
    expect(t.sent[0]!.content).toMatchObject({ op: "direct_begin", size: 10, kind: "file" });
    const id = t.sent[0]!.content.id as string;
    t.deliver({
      op: "direct",
      id,
      url: "http://backend.test/v1/app/files",
      token: "tok",
      fields: { subtype: "image", width: "2" },
    });
    await flush();
    const [url, init] = fetchMock.mock.calls[0]! as unknown as [string, RequestInit];
    expect(url).toBe("http://backend.test/v1/app/files");
    expect(init.method).toBe("POST");
    expect((init.headers as Record<string, string>).Authorization).toBe("Bearer tok");
    const form = init.body as FormData;
    expect(form.get("subtype")).toBe("image");
    expect(form.get("width")).toBe("2");
    expect((form.get("file") as File).size).toBe(10);
    expect(t.sent.at(-1)!.content).toEqual({ op: "direct_done", id, file_token: "ft_1", size: 10 });
    t.deliver({ op: "done", id });
    await flush();
    expect(rowOf(t.el).dataset.state).toBe("done");
    expect(JSON.stringify(t.sent.map((s) => s.content.op))).not.toContain("chunk");
  });

  it("direct path failing (network or non-2xx) falls back to chunks; no_direct too", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => new Response("nope", { status: 503 })),
    );
    const t = mount({ direct: true });
    t.uploader.addFiles([bytes(10), bytes(20)]);
    await flush();
    const [a, b] = t.sent.map((s) => s.content.id as string);
    t.deliver({ op: "direct", id: a, url: "http://x/files", token: "t", fields: {} });
    t.deliver({ op: "no_direct", id: b });
    await flush();
    const forA = t.sent.filter((s) => s.content.id === a).map((s) => s.content);
    expect(forA.map((c) => c.op)).toEqual(["direct_begin", "direct_failed", "begin", "chunk"]);
    expect(forA[1]!.reason).toBe("HTTP 503");
    expect(t.sent.filter((s) => s.content.id === b).map((s) => s.content.op)).toEqual([
      "direct_begin",
      "begin",
      "chunk",
    ]);
  });

  it("cancel during a direct upload aborts the fetch", async () => {
    let signal: AbortSignal | undefined;
    vi.stubGlobal(
      "fetch",
      vi.fn((_u: string, init: RequestInit) => {
        signal = init.signal ?? undefined;
        return new Promise((_r, reject) =>
          signal!.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))),
        );
      }),
    );
    const t = mount({ direct: true });
    const [id] = t.uploader.addFiles([bytes(10)]);
    await flush();
    t.deliver({ op: "direct", id, url: "http://x/files", token: "t", fields: {} });
    await flush();
    t.uploader.cancel(id!);
    await flush();
    expect(signal!.aborted).toBe(true);
    expect(t.ops()).toEqual(["direct_begin", "cancel"]); // no direct_failed, no fallback
  });

  it("marks unfinished rows when the comm closes (kernel restart)", async () => {
    const t = mount();
    const [a, b] = t.uploader.addFiles([bytes(10), bytes(20)]);
    await flush();
    t.deliver({ op: "ready", id: a, chunk_size: 1000, window: 2 });
    t.deliver({ op: "ack", id: a, seq: 0, received: 10 });
    await flush();
    t.deliver({ op: "done", id: a });
    t.emit("comm:close");
    await flush();
    expect(rowOf(t.el, 0).dataset.state).toBe("done");
    expect(rowOf(t.el, 1).querySelector(".tw-fd-error")!.textContent).toBe(KERNEL_RESTARTED);
    expect(b).toBeTruthy();
    t.uploader.addFiles([bytes(5)]); // nothing can be sent any more
    await flush();
    expect(rowOf(t.el, 2).querySelector(".tw-fd-error")!.textContent).toBe(KERNEL_RESTARTED);
  });

  it("a kernel that stops answering fails the row after STALL_MS", async () => {
    vi.useFakeTimers();
    const t = mount();
    t.uploader.addFiles([bytes(10)]);
    await vi.advanceTimersByTimeAsync(10);
    expect(t.ops()).toEqual(["begin", "chunk"]); // then it waits for the ack
    await vi.advanceTimersByTimeAsync(STALL_MS + 10);
    expect(rowOf(t.el).querySelector(".tw-fd-error")!.textContent).toBe(KERNEL_SILENT);
    expect(t.ops()).toEqual(["begin", "chunk", "cancel"]);
  });

  it("views share one uploader; unmounting removes every listener", async () => {
    const t = mount();
    const el2 = document.createElement("div");
    const off = widget.render!({ model: t.model as never, el: el2, signal: new AbortController().signal } as never);
    t.uploader.addFiles([bytes(10)]);
    await flush();
    expect(el2.querySelectorAll(".tw-fd-row")).toHaveLength(1);
    expect(t.ops()).toEqual(["begin", "chunk"]); // once, not per view
    (off as () => void)();
    for (const f of cleanups.reverse()) f();
    cleanups = [];
    expect(t.listenerCount()).toBe(0);
  });

  it("drops are kept from the page and turned into uploads", async () => {
    const t = mount();
    const root = t.el.querySelector(".tw-fd")!;
    const leaked = vi.fn();
    document.addEventListener("drop", leaked);
    const drop = new Event("drop", { bubbles: true, cancelable: true }) as Event & { dataTransfer: unknown };
    drop.dataTransfer = { files: [bytes(3)] };
    root.dispatchEvent(drop);
    document.removeEventListener("drop", leaked);
    expect(drop.defaultPrevented).toBe(true);
    expect(leaked).not.toHaveBeenCalled();
    await flush();
    expect(t.ops()).toEqual(["begin", "chunk"]);
  });
});

// @vitest-environment node
// The uploader on its own, in plain Node: no DOM, a fake kernel channel, a fake media probe.
// (test/file_drop.test.ts drives the same protocol through the FileDrop view.)
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Kind, MediaValues } from "../src/upload_core";
import {
  KERNEL_RESTARTED,
  KERNEL_SILENT,
  type MediaProbe,
  STALL_MS,
  Uploader,
  type UploadPolicy,
} from "../src/uploader";
import type { KernelChannel } from "../src/widget_model";

interface Sent {
  content: Record<string, unknown>;
  buffers: ArrayBuffer[];
}

function fakeKernel() {
  const sent: Sent[] = [];
  const onMessage = new Set<(m: unknown) => void>();
  const onClose = new Set<() => void>();
  const channel: KernelChannel = {
    send: (content, buffers) => {
      sent.push({ content, buffers: buffers ?? [] });
    },
    onMessage: (fn) => {
      onMessage.add(fn);
      return () => onMessage.delete(fn);
    },
    onClose: (fn) => {
      onClose.add(fn);
      return () => onClose.delete(fn);
    },
  };
  return {
    channel,
    sent,
    ops: () => sent.map((s) => s.content.op),
    of: (id: string) => sent.filter((s) => s.content.id === id).map((s) => s.content),
    deliver: (m: unknown) => {
      for (const fn of [...onMessage]) fn(m);
    },
    close: () => {
      for (const fn of [...onClose]) fn();
    },
    listeners: () => onMessage.size + onClose.size,
  };
}

const uploaders: Uploader[] = [];
afterEach(() => {
  for (const u of uploaders.splice(0)) u.dispose();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

interface Limits {
  accept: string;
  maxSize: number;
  direct: boolean;
}

function setup(policy: Partial<Limits> = {}, probe: MediaProbe = async () => ({})) {
  const kernel = fakeKernel();
  const limits: Limits = { accept: "", maxSize: 0, direct: false, ...policy };
  const up = new Uploader(
    kernel.channel,
    { accept: () => limits.accept, maxSize: () => limits.maxSize, direct: () => limits.direct } satisfies UploadPolicy,
    probe,
  );
  uploaders.push(up);
  return { ...kernel, up, limits };
}

const flush = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
};
const file = (bytes: Uint8Array<ArrayBuffer> | number, name = "data.bin", type = "application/octet-stream") =>
  new File([typeof bytes === "number" ? new Uint8Array(bytes) : bytes], name, { type });

describe("Uploader without a DOM", () => {
  it("runs where there is no document", () => {
    expect(typeof document).toBe("undefined");
  });

  it("chunked path: sends the exact bytes in a window of chunks, tracks acks, ends, then done", async () => {
    const t = setup();
    const bytes = Uint8Array.from({ length: 2500 }, (_, i) => i % 251);
    const [id] = t.up.addFiles([file(bytes)]);
    await flush();
    expect(t.sent[0]!.content).toEqual({
      op: "begin",
      id,
      name: "data.bin",
      size: 2500,
      type: "application/octet-stream",
      kind: "file",
      added: expect.any(Number),
      n: 1,
      metadata: { filename: "data.bin" },
    });
    t.deliver({ op: "ready", id, chunk_size: 1000, window: 2 });
    await flush();
    expect(t.ops()).toEqual(["begin", "chunk", "chunk"]);
    t.deliver({ op: "ack", id, seq: 0, received: 1000 });
    await flush();
    expect(t.up.uploads()[0]).toMatchObject({ phase: "sending", acked: 1000 });
    t.deliver({ op: "ack", id, seq: 1, received: 2000 });
    t.deliver({ op: "ack", id, seq: 2, received: 2500 });
    await flush();
    expect(t.ops()).toEqual(["begin", "chunk", "chunk", "chunk", "end"]);
    const chunks = t.sent.filter((s) => s.content.op === "chunk");
    expect(chunks.map((c) => c.content.offset)).toEqual([0, 1000, 2000]);
    const joined = new Uint8Array(chunks.flatMap((c) => [...new Uint8Array(c.buffers[0]!)]));
    expect(joined).toEqual(bytes);
    expect(t.up.uploads()[0]!.phase).toBe("uploading");
    t.deliver({ op: "done", id });
    expect(t.up.uploads()[0]!.phase).toBe("done");
  });

  it("probes picked files and sends only values the kernel can use; recordings are not probed", async () => {
    const seen: Array<[number, Kind]> = [];
    const probe = async (f: Blob, kind: Kind): Promise<MediaValues> => {
      seen.push([f.size, kind]);
      return { width: 64.5, height: 48, duration: 3 };
    };
    const t = setup({}, probe);
    t.up.addFiles([file(7, "cat.png", "image/png")]);
    t.up.addRecording(new Blob([new Uint8Array(9)], { type: "audio/webm" }), "voice-x.webm", 2.5);
    await flush();
    expect(seen).toEqual([[7, "image"]]);
    const begins = Object.fromEntries(t.sent.map((s) => [s.content.kind, s.content.metadata]));
    expect(begins).toEqual({
      image: { filename: "cat.png", width: null, height: 48 },
      voice: { filename: "voice-x.webm", duration: 2.5 },
    });
  });

  it("reads the policy when a file is added: refused files send none of their bytes", async () => {
    const t = setup({ accept: "image/*", maxSize: 100 });
    const [wrongType, tooBig] = t.up.addFiles([file(10), file(200, "big.png", "image/png")]);
    t.limits.accept = "";
    t.limits.maxSize = 0;
    const [fine] = t.up.addFiles([file(10)]);
    await flush();
    // the kernel only hears that they were refused (so its `uploads` match the rows), in the rows' order
    expect(t.sent.map((s) => [s.content.op, s.content.id, s.content.n])).toEqual([
      ["refused", wrongType, 1],
      ["refused", tooBig, 2],
      ["begin", fine, 3],
    ]);
    expect(t.sent.every((s) => s.buffers.length === 0)).toBe(true);
    expect(t.sent[1]!.content).toMatchObject({
      name: "big.png",
      size: 200,
      kind: "image",
      reason: "too large: 200 B, the limit is 100 B",
    });
    const [a, b] = t.up.uploads();
    expect(a).toMatchObject({ id: wrongType, phase: "error", refused: true });
    expect(a!.error).toMatch(/^type not accepted here/);
    expect(b).toMatchObject({
      id: tooBig,
      phase: "error",
      refused: true,
      error: "too large: 200 B, the limit is 100 B",
    });
  });

  it("direct path: POSTs with the token and the offered fields, without cookies, and reports the file token", async () => {
    const fetchMock = vi.fn(async (_url: string, _init: RequestInit) => Response.json({ fileToken: "ft_1" }));
    vi.stubGlobal("fetch", fetchMock);
    const t = setup({ direct: true });
    const [id] = t.up.addFiles([file(10)]);
    await flush();
    expect(t.ops()).toEqual(["direct_begin"]);
    expect(t.up.uploads()[0]).toMatchObject({ phase: "direct", path: "direct" });
    t.deliver({ op: "direct", id, url: "http://backend.test/files", token: "tok", fields: { subtype: "voice" } });
    await flush();
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe("http://backend.test/files");
    expect(init).toMatchObject({ method: "POST", credentials: "omit", headers: { Authorization: "Bearer tok" } });
    const form = init.body as FormData;
    expect(form.get("subtype")).toBe("voice");
    expect((form.get("file") as File).name).toBe("data.bin");
    expect(t.of(id!)).toEqual([
      expect.objectContaining({ op: "direct_begin" }),
      { op: "direct_done", id, file_token: "ft_1", size: 10 },
    ]);
    t.deliver({ op: "done", id });
    expect(t.up.uploads()[0]!.phase).toBe("done");
  });

  it.each([
    ["an answer without a file token", async () => Response.json({}), "the answer had no file token"],
    [
      "a network error",
      async () => {
        throw new TypeError("Failed to fetch");
      },
      "TypeError: Failed to fetch",
    ],
  ])("direct path: %s tells the kernel why, then falls back to chunks", async (_what, answer, reason) => {
    vi.stubGlobal("fetch", vi.fn(answer));
    const t = setup({ direct: true });
    const [id] = t.up.addFiles([file(10)]);
    await flush();
    t.deliver({ op: "direct", id, url: "http://backend.test/files", token: "t", fields: {} });
    await flush();
    expect(t.of(id!).map((c) => c.op)).toEqual(["direct_begin", "direct_failed", "begin"]);
    expect(t.of(id!)[1]!.reason).toBe(reason);
    expect(t.up.uploads()[0]).toMatchObject({ phase: "sending", path: "chunked" });
  });

  it("holds a target that says how long it lives: the next file goes straight to the backend", async () => {
    const fetchMock = vi.fn(async (_url: string, _init: RequestInit) => Response.json({ fileToken: "ft" }));
    vi.stubGlobal("fetch", fetchMock);
    const t = setup({ direct: true }, async () => ({ width: 4, height: 3 }));
    const [first] = t.up.addFiles([file(10)]);
    await flush();
    t.deliver({ op: "direct", id: first, url: "http://b.test/files", token: "tok", fields: {}, expires_in: 300 });
    await flush();
    t.deliver({ op: "done", id: first });
    const [second] = t.up.addFiles([file(4, "pic.png", "image/png")]);
    await flush();
    // no offer was waited for: the fetch went with the held token and the fields the kernel would give
    expect(t.of(second!)).toEqual([
      expect.objectContaining({
        op: "direct_begin",
        own_target: true,
        metadata: { filename: "pic.png", width: 4, height: 3 },
      }),
      { op: "direct_done", id: second, file_token: "ft", size: 4 },
    ]);
    const [url, init] = fetchMock.mock.calls[1]!;
    expect(url).toBe("http://b.test/files");
    expect(init).toMatchObject({ headers: { Authorization: "Bearer tok" }, credentials: "omit" });
    const form = init.body as FormData;
    expect([...form.keys()]).toEqual(["subtype", "width", "height", "file"]);
    expect([form.get("subtype"), form.get("width"), form.get("height")]).toEqual(["image", "4", "3"]);
  });

  it("asks for a target ahead of time once; an offer without a lifetime is used once only", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => Response.json({ fileToken: "ft" })),
    );
    const t = setup({ direct: true });
    t.up.prepare();
    t.up.prepare(); // already asked
    expect(t.ops()).toEqual(["target"]);
    const asked = t.sent[0]!.content.id as string;
    t.deliver({ op: "target", id: asked, url: "http://b.test/files", token: "early", expires_in: 60 });
    t.up.prepare(); // held
    const [a] = t.up.addFiles([file(3)]);
    await flush();
    expect(t.of(a!)[0]).toMatchObject({ op: "direct_begin", own_target: true });
    // 31 s later the target lives less than TARGET_MARGIN_MS: not used, the kernel offers one
    vi.setSystemTime(Date.now() + 31_000);
    const [b] = t.up.addFiles([file(3)]);
    await flush();
    expect(t.of(b!)).toEqual([expect.not.objectContaining({ own_target: true })]);
    t.deliver({ op: "direct", id: b, url: "http://b.test/files", token: "once", fields: {} });
    await flush();
    const [c] = t.up.addFiles([file(3)]);
    await flush();
    expect(t.of(c!)).toEqual([expect.not.objectContaining({ own_target: true })]);
    // off: nothing is asked, nothing is held
    t.limits.direct = false;
    t.up.prepare();
    expect(t.ops().filter((op) => op === "target")).toHaveLength(1);
  });

  it("a file on its way with a held target takes the chunked path when the kernel says no_direct", async () => {
    let signal: AbortSignal | undefined;
    vi.stubGlobal(
      "fetch",
      vi.fn((_u: string, init: RequestInit) => {
        signal = init.signal ?? undefined;
        return new Promise<Response>((_resolve, reject) =>
          signal!.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))),
        );
      }),
    );
    const t = setup({ direct: true });
    t.up.prepare();
    t.deliver({ op: "target", id: t.sent[0]!.content.id, url: "http://b.test/files", token: "x", expires_in: 300 });
    const [id] = t.up.addFiles([file(10)]);
    await flush();
    t.deliver({ op: "no_direct", id });
    await flush();
    expect(signal?.aborted).toBe(true);
    expect(t.of(id!).map((c) => c.op)).toEqual(["direct_begin", "direct_failed", "begin"]);
    t.deliver({ op: "ready", id, chunk_size: 100, window: 1 });
    await flush();
    expect(t.up.uploads()[0]).toMatchObject({ phase: "sending", path: "chunked" });
    // the failed target is dropped: the next file asks for an offer
    const [next] = t.up.addFiles([file(1)]);
    await flush();
    expect(t.of(next!)).toEqual([expect.not.objectContaining({ own_target: true })]);
  });

  it("cancel stops the chunks, tells the kernel once, and ignores what comes after", async () => {
    const t = setup();
    const [id] = t.up.addFiles([file(5000)]);
    await flush();
    t.deliver({ op: "ready", id, chunk_size: 1000, window: 2 });
    await flush();
    t.up.cancel(id!);
    t.up.cancel(id!);
    t.deliver({ op: "ack", id, seq: 0, received: 1000 });
    t.deliver({ op: "done", id });
    await flush();
    expect(t.ops()).toEqual(["begin", "chunk", "chunk", "cancel"]);
    expect(t.up.uploads()[0]!.phase).toBe("cancelled");
  });

  it("cancel before the kernel heard of the file sends nothing", async () => {
    let release: (v: MediaValues) => void = () => {};
    const t = setup({}, () => new Promise<MediaValues>((r) => (release = r)));
    const [id] = t.up.addFiles([file(5, "a.png", "image/png")]);
    t.up.cancel(id!);
    release({ width: 1, height: 1 });
    await flush();
    expect(t.sent).toEqual([]);
    expect(t.up.uploads()[0]!.phase).toBe("cancelled");
  });

  it.each([
    [{ op: "ack", seq: 0, received: 10 }, 'unexpected "ack" from the kernel (expected ready)'],
    [{ op: "failed", reason: "disk full" }, "disk full"],
    [{ op: "rejected" }, "rejected by the kernel"],
  ])("a kernel answer that ends it: %j", async (answer, error) => {
    const t = setup();
    const [id] = t.up.addFiles([file(10)]);
    await flush();
    t.deliver({ ...answer, id });
    await flush();
    expect(t.up.uploads()[0]).toMatchObject({ phase: "error", error });
  });

  it("an ack with the wrong byte count fails the upload and drops the kernel's spool", async () => {
    const t = setup();
    const [id] = t.up.addFiles([file(10)]);
    await flush();
    t.deliver({ op: "ready", id, chunk_size: 1000, window: 2 });
    await flush();
    t.deliver({ op: "ack", id, seq: 0, received: 9 });
    await flush();
    expect(t.up.uploads()[0]).toMatchObject({ phase: "error", error: "kernel has 9 bytes, expected 10" });
    expect(t.ops()).toEqual(["begin", "chunk", "cancel"]);
  });

  it("a closed comm ends unfinished uploads; later files fail at once", async () => {
    const t = setup();
    const [a, b] = t.up.addFiles([file(10), file(10)]);
    await flush();
    t.deliver({ op: "done", id: a });
    t.close();
    t.up.addFiles([file(3)]);
    await flush();
    expect(t.up.uploads().map((u) => [u.phase, u.error])).toEqual([
      ["done", ""],
      ["error", KERNEL_RESTARTED],
      ["error", KERNEL_RESTARTED],
    ]);
    expect(t.ops()).toEqual(["begin", "begin"]);
    expect(b).toBeTruthy();
  });

  it("a kernel that stops answering fails the upload after STALL_MS", async () => {
    vi.useFakeTimers();
    const t = setup();
    t.up.addFiles([file(10)]);
    await vi.advanceTimersByTimeAsync(10);
    await vi.advanceTimersByTimeAsync(STALL_MS - 20);
    expect(t.up.uploads()[0]!.phase).toBe("sending");
    await vi.advanceTimersByTimeAsync(20);
    expect(t.up.uploads()[0]).toMatchObject({ phase: "error", error: KERNEL_SILENT });
    expect(t.ops()).toEqual(["begin", "cancel"]);
  });

  it("ignores messages that are not for its uploads", async () => {
    const t = setup();
    const [id] = t.up.addFiles([file(10)]);
    await flush();
    for (const m of [null, "done", { op: "done" }, { op: "done", id: "other" }, { id }]) t.deliver(m);
    expect(t.up.uploads()[0]!.phase).toBe("sending");
  });

  it("notifies subscribers on each change until they unsubscribe; dispose aborts and stops listening", async () => {
    let signal: AbortSignal | undefined;
    vi.stubGlobal(
      "fetch",
      vi.fn((_u: string, init: RequestInit) => {
        signal = init.signal ?? undefined;
        return new Promise<Response>(() => {});
      }),
    );
    const t = setup({ direct: true });
    let calls = 0;
    const off = t.up.subscribe(() => calls++);
    const [id] = t.up.addFiles([file(10)]);
    await flush();
    expect(calls).toBeGreaterThan(0);
    off();
    const before = calls;
    t.deliver({ op: "direct", id, url: "http://backend.test/files", token: "t", fields: {} });
    await flush();
    expect(calls).toBe(before);
    expect(t.listeners()).toBe(2);
    t.up.dispose();
    expect(signal?.aborted).toBe(true);
    expect(t.listeners()).toBe(0);
  });
});

/**
 * The browser half of docs/upload-protocol.md, without any DOM: transfers of files to the kernel,
 * each on one of two paths, with cancel.
 *   direct path (policy.direct()):  direct_begin -> {op:"direct", url, token, fields, expires_in} -> fetch POST
 *                                   multipart -> direct_done {file_token} | direct_failed -> the chunked path
 *   with a held target:             direct_begin {own_target: true} and the fetch at once (no round trip);
 *                                   the kernel may still answer rejected / no_direct (the fetch is aborted)
 *   a target ahead of time:         prepare() -> {op:"target"} -> {op:"target", url, token, expires_in}
 *   chunked path:                   begin {chunk_size, window} and the first `window` chunks at once (3);
 *                                   chunk+buffer ... (at most `window` unacknowledged) -> ack ... -> end
 *                                   -> done | failed (| rejected: the kernel refused the begin)
 *   without a known chunking:       begin -> ready {chunk_size, window} -> chunks as above
 *   cancel:                         stop reading/sending, abort the fetch, {op:"cancel", id}
 *
 *   refused:                        {op:"refused", id, name, size, type, kind, reason}: a file refused here
 *                                   (type not accepted, too large); none of its bytes are sent
 *
 * Every first message of a file carries `added` (ms) and `n` (its number on this page): the kernel
 * keeps its `uploads` in that order, the order the rows show.
 *
 * It talks to the kernel through a KernelChannel (widget_model.ts, kernel_link.ts), reads its
 * limits from an UploadPolicy and the files' width/height/duration through a MediaProbe, so any
 * widget (a drop zone, a composer's attachments) can own one. Nothing goes into model state: the
 * uploader keeps each file's progress (acknowledged bytes) locally. Tokens only ever travel in
 * messages; one is kept in memory for the next direct uploads until shortly before it expires
 * (`TARGET_MARGIN_MS`), and dropped when it fails, when the direct path is turned off, or when the
 * kernel goes.
 */
import {
  type Chunking,
  ChunkWindow,
  cleanValues,
  formFields,
  type Kind,
  kindOf,
  type MediaValues,
  refusal,
} from "./upload_core";
import type { KernelChannel } from "./widget_model";

/** No answer from the kernel for this long while it should answer (ready, ack, direct offer): give up. */
export const STALL_MS = 30_000;
export const KERNEL_RESTARTED = "the kernel restarted";
export const KERNEL_SILENT = "the kernel did not answer for 30 s (it may have restarted)";
/** A held upload target is not used when it expires within this long. */
export const TARGET_MARGIN_MS = 30_000;

/** What the uploader asks of its widget, read at the moment a file is added. */
export interface UploadPolicy {
  /** `<input accept>` rules; "" accepts anything. */
  accept(): string;
  /** The largest file in bytes; 0 means no limit. */
  maxSize(): number;
  /** Try the direct path first (the backend takes the bytes, with a short-lived token). */
  direct(): boolean;
  /** The chunk size and window the kernel uses (its traits), so chunks need not wait for `ready`;
   * null (or absent): ask the kernel with a plain `begin` and wait for its `ready`. */
  chunking?(): Chunking | null;
}

/** Width/height/duration of a file of `kind` (unknown values null); must not throw. */
export type MediaProbe = (file: Blob, kind: Kind) => Promise<MediaValues>;

export type Phase = "reading" | "direct" | "sending" | "uploading" | "done" | "error" | "cancelled";
const FINAL: ReadonlySet<string> = new Set(["done", "error", "cancelled"]);

/** Done, failed or cancelled: nothing moves any more (also true of the kernel's row statuses). */
export function isFinal(phaseOrStatus: string): boolean {
  return FINAL.has(phaseOrStatus);
}

/** The uploader's record of one file, as views read it. */
export interface Upload {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly kind: Kind;
  readonly size: number;
  readonly values: MediaValues;
  readonly phase: Phase;
  readonly path: "chunked" | "direct";
  /** Bytes the kernel acknowledged (chunked path). */
  readonly acked: number;
  readonly error: string;
  /** Refused by the browser itself (accept, max_size): nothing was sent. */
  readonly refused: boolean;
}

interface Msg {
  op: string;
  id: string;
  [key: string]: unknown;
}

interface Entry extends Upload {
  values: MediaValues;
  phase: Phase;
  path: "chunked" | "direct";
  acked: number;
  error: string;
  refused: boolean;
  file: Blob | null;
  /** The kernel knows this id (begin/direct_begin sent). */
  announced: boolean;
  /** When it was added (ms) and its number on this page: where its row is. */
  added: number;
  n: number;
  abort: AbortController | null;
  /** Uploading directly with the held target (the kernel sent no offer for it). */
  ownTarget: boolean;
  inbox: Msg[];
  wake: ((m: Msg | null) => void) | null;
}

/** Where the browser may upload directly, with a user token the kernel gave, until `expiresAt` (this page's clock). */
interface DirectTarget {
  url: string;
  token: string;
  expiresAt: number;
}

/** Thrown inside a transfer whose entry already ended (cancelled, failed, kernel gone): unwinds quietly. */
class Stop extends Error {}

let idCounter = 0;
function newId(): string {
  const rnd =
    typeof crypto !== "undefined" && typeof crypto.randomUUID === "function"
      ? crypto.randomUUID().slice(0, 8)
      : Math.random().toString(36).slice(2, 10);
  return `f${Date.now().toString(36)}-${rnd}-${++idCounter}`;
}

function isMsg(m: unknown): m is Msg {
  return typeof m === "object" && m !== null && typeof (m as Msg).op === "string" && typeof (m as Msg).id === "string";
}

/** The transfers of one widget model, shared by its views. */
export class Uploader {
  private readonly channel: KernelChannel;
  private readonly policy: UploadPolicy;
  private readonly probe: MediaProbe;
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<() => void>();
  private readonly offs: Array<() => void>;
  private closed = false;
  private counter = 0;
  /** The upload target held for direct uploads, and the id of the `target` request under way. */
  private target: DirectTarget | null = null;
  private targetRequest: { id: string; at: number } | null = null;

  constructor(channel: KernelChannel, policy: UploadPolicy, probe: MediaProbe) {
    this.channel = channel;
    this.policy = policy;
    this.probe = probe;
    this.offs = [channel.onMessage((m) => this.onMessage(m)), channel.onClose(() => this.kernelGone())];
  }

  /** Stop local work (fetches, chunk loops) and stop listening; the kernel cleans up on its side. */
  dispose(): void {
    for (const e of this.entries.values()) if (!FINAL.has(e.phase)) this.stop(e);
    for (const off of this.offs.splice(0)) off();
    this.target = null;
  }

  /**
   * A file may come soon (the pointer is over the drop zone, a drag entered it, the picker opens):
   * ask the kernel for an upload target now, so that the file goes straight to the backend without
   * waiting for an offer. Does nothing when the direct path is off, a target is held or asked for.
   */
  prepare(): void {
    if (this.closed || !this.policy.direct() || this.heldTarget()) return;
    if (this.targetRequest && Date.now() - this.targetRequest.at < STALL_MS) return;
    this.targetRequest = { id: newId(), at: Date.now() };
    this.channel.send({ op: "target", id: this.targetRequest.id });
  }

  /** The target to upload to without asking, if one is held and lives long enough. */
  private heldTarget(): DirectTarget | null {
    if (this.target && (!this.policy.direct() || this.target.expiresAt - TARGET_MARGIN_MS <= Date.now())) {
      this.target = null;
    }
    return this.target;
  }

  /** Keep the url and token of a `target` or `direct` message that says how long they live. */
  private holdTarget(m: Msg): void {
    const ttl = Number(m.expires_in);
    if (typeof m.url === "string" && m.url && typeof m.token === "string" && m.token && ttl > 0) {
      this.target = { url: m.url, token: m.token, expiresAt: Date.now() + ttl * 1000 };
    }
  }

  /** Call `fn` after every change of any upload; returns the unsubscribe function. */
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Every file added, in the order added. */
  uploads(): Upload[] {
    return [...this.entries.values()];
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }

  // --- adding files ----------------------------------------------------------------------------

  /** Files picked or dropped: each gets a record, its kind and metadata, then a transfer. */
  addFiles(files: readonly File[]): string[] {
    return files.map((f) => this.add(f, f.name, f.type, kindOf(f.name, f.type), null));
  }

  /** A finished voice recording, with the duration measured while recording. */
  addRecording(blob: Blob, name: string, duration: number): string {
    return this.add(blob, name, blob.type, "voice", { duration });
  }

  private add(file: Blob, name: string, type: string, kind: Kind, values: MediaValues | null): string {
    const e: Entry = {
      id: newId(),
      name,
      type,
      kind,
      size: file.size,
      values: values ?? {},
      phase: "reading",
      path: "chunked",
      acked: 0,
      error: "",
      file,
      announced: false,
      added: Date.now(),
      n: ++this.counter,
      refused: false,
      abort: null,
      ownTarget: false,
      inbox: [],
      wake: null,
    };
    this.entries.set(e.id, e);
    if (this.closed) {
      this.finish(e, "error", KERNEL_RESTARTED);
      return e.id;
    }
    const refused = refusal({ name, type, size: file.size }, kind, this.policy.accept(), this.policy.maxSize());
    if (refused) {
      e.refused = true;
      this.finish(e, "error", refused);
      // no byte is sent; the kernel only hears of it, so that its `uploads` list it as the rows do
      this.channel.send({ op: "refused", ...this.announcement(e), reason: refused });
      return e.id;
    }
    this.changed();
    void this.run(e, values === null);
    return e.id;
  }

  cancel(id: string): void {
    const e = this.entries.get(id);
    if (!e || FINAL.has(e.phase)) return;
    this.finish(e, "cancelled", "");
    if (e.announced) this.channel.send({ op: "cancel", id });
  }

  /** What the first message about a file says of it. */
  private announcement(e: Entry): Record<string, unknown> {
    return { id: e.id, name: e.name, size: e.size, type: e.type, kind: e.kind, added: e.added, n: e.n };
  }

  // --- the transfer ----------------------------------------------------------------------------

  private async run(e: Entry, read: boolean): Promise<void> {
    try {
      if (read) e.values = cleanValues(e.kind, await this.probe(e.file!, e.kind));
      else e.values = cleanValues(e.kind, e.values);
      this.check(e);
      const begin = { ...this.announcement(e), metadata: { filename: e.name, ...e.values } };
      if (this.policy.direct()) {
        e.phase = "direct";
        e.path = "direct";
        e.announced = true;
        this.changed();
        const token = await this.direct(e, begin);
        if (token !== null) {
          this.channel.send({ op: "direct_done", id: e.id, file_token: token, size: e.size });
          e.phase = "uploading";
          this.changed();
          return; // `done` (or `failed`) ends it
        }
        e.path = "chunked";
      }
      await this.chunked(e, begin);
    } catch (err) {
      if (err instanceof Stop) return;
      this.finish(e, "error", err instanceof Error ? err.message : String(err));
      if (e.announced) this.channel.send({ op: "cancel", id: e.id }); // the kernel drops its spool
    }
  }

  /** The direct path: the file token, or null when the chunked path is to carry the file. */
  private async direct(e: Entry, begin: Record<string, unknown>): Promise<string | null> {
    const held = this.heldTarget();
    if (held) {
      // no round trip: the kernel hears of the file while it is already on its way
      e.ownTarget = true;
      this.channel.send({ op: "direct_begin", ...begin, own_target: true });
      const token = await this.directUpload(e, held, formFields(e.kind, e.values));
      if (token === null && this.target === held) this.target = null; // maybe revoked: ask again next time
      return token;
    }
    this.channel.send({ op: "direct_begin", ...begin });
    const offer = await this.next(e, ["direct", "no_direct"]);
    if (offer.op !== "direct") return null;
    this.holdTarget(offer);
    const url = typeof offer.url === "string" ? offer.url : "";
    const token = typeof offer.token === "string" ? offer.token : "";
    const fields = offer.fields && typeof offer.fields === "object" ? (offer.fields as Record<string, unknown>) : {};
    return this.directUpload(e, { url, token }, fields);
  }

  /** POST the file to the backend; the file token, or null after telling the kernel it failed. */
  private async directUpload(
    e: Entry,
    target: { url: string; token: string },
    fields: Record<string, unknown>,
  ): Promise<string | null> {
    const { url, token } = target;
    let reason: string;
    try {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.append(k, String(v));
      form.append("file", e.file!, e.name);
      e.abort = new AbortController();
      const res = await fetch(url, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}` },
        body: form,
        signal: e.abort.signal,
        credentials: "omit",
      });
      this.check(e);
      if (res.ok) {
        const body = (await res.json()) as { fileToken?: unknown };
        this.check(e);
        if (typeof body.fileToken === "string" && body.fileToken) return body.fileToken;
        reason = "the answer had no file token";
      } else {
        reason = `HTTP ${res.status}`;
      }
    } catch (err) {
      this.check(e); // cancelled: AbortError, do not fall back
      reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err); // network or CORS error
    } finally {
      e.abort = null;
    }
    this.channel.send({ op: "direct_failed", id: e.id, reason });
    return null;
  }

  private async chunked(e: Entry, begin: Record<string, unknown>): Promise<void> {
    e.phase = "sending";
    e.announced = true;
    this.changed();
    const known = this.policy.chunking?.() ?? null;
    let win: ChunkWindow;
    if (known) {
      // (3) the kernel's chunking is known: the first chunks go right behind `begin`, no round trip
      this.channel.send({ op: "begin", ...begin, chunk_size: known.chunkSize, window: known.window });
      win = new ChunkWindow(e.size, known.chunkSize, known.window);
    } else {
      this.channel.send({ op: "begin", ...begin });
      const ready = await this.next(e, ["ready"]);
      win = new ChunkWindow(e.size, Number(ready.chunk_size), Number(ready.window));
    }
    while (!win.complete) {
      for (let plan = win.next(); plan; plan = win.next()) {
        const bytes = await e.file!.slice(plan.offset, plan.end).arrayBuffer();
        this.check(e);
        this.channel.send({ op: "chunk", id: e.id, seq: plan.seq, offset: plan.offset }, [bytes]);
      }
      const ack = await this.next(e, ["ack", "ready"]);
      if (ack.op === "ready") continue; // a kernel of protocol 2 answers every begin (the chunks did not wait)
      win.ack(Number(ack.seq), Number(ack.received));
      e.acked = win.received;
      this.changed();
    }
    this.channel.send({ op: "end", id: e.id });
    e.phase = "uploading";
    e.file = null; // the kernel has every byte
    this.changed();
  }

  /** The next message for `e` (one of `ops`); throws Stop when the entry ended, an Error on silence. */
  private next(e: Entry, ops: string[]): Promise<Msg> {
    const take = (m: Msg | null): Msg => {
      this.check(e);
      if (!m) throw new Error(KERNEL_SILENT);
      if (!ops.includes(m.op)) throw new Error(`unexpected "${m.op}" from the kernel (expected ${ops.join(" or ")})`);
      return m;
    };
    if (e.inbox.length) return Promise.resolve(take(e.inbox.shift()!));
    this.check(e);
    return new Promise<Msg>((resolve, reject) => {
      const timer = setTimeout(() => e.wake?.(null), STALL_MS);
      e.wake = (m) => {
        clearTimeout(timer);
        e.wake = null;
        try {
          resolve(take(m ?? e.inbox.shift() ?? null));
        } catch (err) {
          reject(err);
        }
      };
    });
  }

  private check(e: Entry): void {
    if (FINAL.has(e.phase)) throw new Stop();
  }

  private onMessage(m: unknown): void {
    if (!isMsg(m)) return;
    if (m.id === this.targetRequest?.id) {
      this.targetRequest = null;
      if (m.op === "target") this.holdTarget(m);
      return;
    }
    const e = this.entries.get(m.id);
    if (!e || FINAL.has(e.phase)) return;
    if (m.op === "no_direct" && e.ownTarget) {
      e.abort?.abort(); // the kernel turned the direct path off: this file takes the chunked path
      return;
    }
    if (m.op === "done") {
      this.finish(e, "done", "");
    } else if (m.op === "rejected" || m.op === "failed") {
      this.stop(e);
      this.finish(e, "error", typeof m.reason === "string" && m.reason ? m.reason : `${m.op} by the kernel`);
    } else {
      e.inbox.push(m);
      e.wake?.(e.inbox.shift()!);
    }
  }

  private kernelGone(): void {
    if (this.closed) return;
    this.closed = true;
    this.target = null;
    for (const e of this.entries.values()) {
      if (FINAL.has(e.phase)) continue;
      this.stop(e);
      this.finish(e, "error", KERNEL_RESTARTED);
    }
  }

  /** Stop local work (fetch, chunk loop); the caller sets the final phase. */
  private stop(e: Entry): void {
    e.abort?.abort();
    e.abort = null;
  }

  private finish(e: Entry, phase: "done" | "error" | "cancelled", error: string): void {
    e.phase = phase;
    e.error = error;
    e.file = null;
    e.inbox.length = 0;
    this.stop(e);
    if (e.wake) e.wake(null); // rejects with Stop: the phase is final
    this.changed();
  }
}

/**
 * Whether the kernel behind a widget model is still there (no DOM beyond `document` visibility).
 *
 * anywidget's model gives no "kernel gone" flag, and hosts differ in what they signal, so two
 * sources are combined (docs/widgets.md, "Offline"):
 *   1. the host's own signals: the comm closed or the model was destroyed (`comm:close`, `destroy`:
 *      gone for good), or `comm_live_update`, which JupyterLab and Notebook 7 fire on every widget
 *      model when the kernel restarts; a restarted kernel no longer knows this comm, so a ping that
 *      gets no answer after it means "restarted";
 *   2. a heartbeat: `{op: "ping", n}` every HEARTBEAT_MS while the page is visible, at start, and
 *      after each user action; the kernel answers `{op: "pong", n}` on the thread the comm message
 *      arrives on (talkwidgets/widgets/_base.py), so a busy cell does not delay it where comms run
 *      on a subshell (JupyterLab 4 with ipykernel 7). No answer within PONG_TIMEOUT_MS: "silent"
 *      (busy or stopped), undone by the next answer.
 * Views show a disconnected state and refuse interaction while the link is not live.
 *
 * The link is also the KernelChannel of the model (send, messages, and `onClose`, which fires when
 * the kernel is known to be gone: closed or restarted), so an Uploader can run on it.
 */
import { Disposer, type KernelChannel, type ModelLike } from "./widget_model";

export const HEARTBEAT_MS = 10_000;
export const PONG_TIMEOUT_MS = 8_000;

/** Why a link is not live: the comm closed, the kernel restarted, or it does not answer (yet). */
export type OfflineReason = "closed" | "restarted" | "silent";

export interface LinkState {
  live: boolean;
  reason: OfflineReason | null;
}

const TEXTS: Record<OfflineReason, string> = {
  closed: "Disconnected: this widget's connection to the kernel is closed. Run its cell again for a live one.",
  restarted: "Disconnected: the kernel restarted. Run this widget's cell again for a live one.",
  silent: "The kernel does not answer (busy, or stopped). Waiting for it…",
};

/** What a view says while the link is not live ("" while it is). */
export function offlineText(state: LinkState): string {
  return state.live || !state.reason ? "" : TEXTS[state.reason];
}

interface Timing {
  heartbeatMs?: number;
  timeoutMs?: number;
}

export class KernelLink implements KernelChannel {
  private readonly model: ModelLike;
  private readonly timeoutMs: number;
  private readonly listeners = new Set<() => void>();
  private readonly goneFns = new Set<() => void>();
  private readonly off = new Disposer();
  private current: LinkState = { live: true, reason: null };
  private counter = 0;
  private waiting: ReturnType<typeof setTimeout> | undefined;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private restartSuspected = false;
  private gone = false;

  constructor(model: ModelLike, timing: Timing = {}) {
    this.model = model;
    this.timeoutMs = timing.timeoutMs ?? PONG_TIMEOUT_MS;
    this.off.listen(model, "msg:custom", (msg) => this.onKernelMessage(msg));
    this.off.listen(model, "comm:close", () => this.end("closed"));
    this.off.listen(model, "destroy", () => this.end("closed"));
    this.off.listen(model, "comm_live_update", () => {
      this.restartSuspected = true;
      this.check();
    });
    this.heartbeat = setInterval(() => {
      if (visible()) this.check();
    }, timing.heartbeatMs ?? HEARTBEAT_MS);
    if (typeof document !== "undefined") {
      const onVisible = () => {
        if (visible()) this.check();
      };
      document.addEventListener("visibilitychange", onVisible);
      this.off.add(() => document.removeEventListener("visibilitychange", onVisible));
    }
    this.check();
  }

  /** Live or not, and why. */
  state(): LinkState {
    return this.current;
  }

  /** Call `fn` after every change of `state()`; returns the unsubscribe function. */
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Ask the kernel now (after a user action); the answer, or its absence, changes `state()`. */
  check(): void {
    if (this.gone || this.waiting !== undefined) return;
    const n = ++this.counter;
    // armed before sending: an answer may come back synchronously
    this.waiting = setTimeout(() => this.unanswered(), this.timeoutMs);
    this.model.send({ op: "ping", n });
  }

  dispose(): void {
    this.stopTimers();
    this.off.dispose();
    this.listeners.clear();
    this.goneFns.clear();
  }

  // --- KernelChannel ---------------------------------------------------------------------------

  send(content: Record<string, unknown>, buffers?: ArrayBuffer[]): void {
    this.model.send(content, undefined, buffers);
  }

  onMessage(fn: (msg: unknown) => void): () => void {
    const d = new Disposer();
    d.listen(this.model, "msg:custom", fn);
    return () => d.dispose();
  }

  /** Calls `fn` once the kernel is known to be gone (comm closed, model destroyed, kernel restarted). */
  onClose(fn: () => void): () => void {
    if (this.gone) {
      fn();
      return () => {};
    }
    this.goneFns.add(fn);
    return () => this.goneFns.delete(fn);
  }

  // --- internals -------------------------------------------------------------------------------

  private onKernelMessage(msg: unknown): void {
    if (typeof msg !== "object" || msg === null || (msg as { op?: unknown }).op !== "pong" || this.gone) return;
    clearTimeout(this.waiting);
    this.waiting = undefined;
    this.restartSuspected = false;
    this.set({ live: true, reason: null });
  }

  private unanswered(): void {
    this.waiting = undefined;
    if (this.restartSuspected) this.end("restarted");
    else this.set({ live: false, reason: "silent" });
  }

  private end(reason: "closed" | "restarted"): void {
    if (this.gone) return;
    this.gone = true; // nothing will answer any more: stop asking
    this.stopTimers();
    this.set({ live: false, reason });
    for (const fn of [...this.goneFns]) fn();
    this.goneFns.clear();
  }

  private stopTimers(): void {
    clearTimeout(this.waiting);
    this.waiting = undefined;
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private set(next: LinkState): void {
    if (next.live === this.current.live && next.reason === this.current.reason) return;
    this.current = next;
    for (const fn of [...this.listeners]) fn();
  }
}

function visible(): boolean {
  return typeof document === "undefined" || document.visibilityState !== "hidden";
}

interface Shared {
  link: KernelLink;
  users: number;
}

// Keyed by the model object a view gets: anywidget gives each view its own proxy of the model in
// JupyterLab (one link per view there), the same object to every view elsewhere (one link).
const LINKS = new WeakMap<object, Shared>();

/** The link of a widget model, for one more user (a view); give it back with `releaseLink`. */
export function acquireLink(model: ModelLike): KernelLink {
  let shared = LINKS.get(model);
  if (!shared) {
    shared = { link: new KernelLink(model), users: 0 };
    LINKS.set(model, shared);
  }
  shared.users++;
  return shared.link;
}

/** One user fewer; the last one disposes of the link (its timers and listeners). */
export function releaseLink(model: ModelLike): void {
  const shared = LINKS.get(model);
  if (!shared || --shared.users > 0) return;
  shared.link.dispose();
  LINKS.delete(model);
}

/** A minimal in-memory anywidget model (get/set/on/off/send/save_changes) for unit tests. */
import type { AnyModel } from "@anywidget/types";
import type { ConversationListModel } from "../src/types";

type Handler = (...args: unknown[]) => void;
// The constraint of @anywidget/types' AnyModel (its ObjectHash): interfaces of traits satisfy it.
// biome-ignore lint/suspicious/noExplicitAny: same type as AnyModel's own constraint
type Traits = Record<string, any>;

export interface FakeModel<T extends Traits = ConversationListModel> extends AnyModel<T> {
  /** Custom messages sent to the kernel (liveness pings apart: see `pings`). */
  sent: unknown[];
  /** The kernel link's pings (kernel_link.ts); a live kernel answers each with a pong at once. */
  pings: unknown[];
  /** Whether the fake kernel answers pings (false: a kernel that is gone or stuck). */
  kernelAnswers: boolean;
  /** Buffers sent with each message (same index as `sent`). */
  sentBuffers: ArrayBuffer[][];
  /** Snapshot of the changed keys at each save_changes(). */
  saved: Array<Partial<T>>;
  /** Deliver a kernel -> browser custom message. */
  deliver(msg: unknown): void;
  /** A trait change coming from the kernel. */
  kernelSet(values: Partial<T>): void;
  /** Fire any model event (e.g. "comm:close"). */
  emit(event: string, ...args: unknown[]): void;
  listenerCount(): number;
}

export function defaults(): ConversationListModel {
  return {
    conversations: [],
    current_user_id: "me",
    loaded_all: false,
    state: "active",
    error: "",
    connection: "connected",
    selected_id: null,
    loading_more: false,
    _seq: 0,
  };
}

/** A liveness ping of kernel_link.ts. */
export function isPing(content: unknown): content is { op: "ping"; n: number } {
  return typeof content === "object" && content !== null && (content as { op?: unknown }).op === "ping";
}

/** A ConversationList model. */
export function fakeModel(initial: Partial<ConversationListModel> = {}): FakeModel {
  return fakeModelOf<ConversationListModel>({ ...defaults(), ...initial });
}

/** A model of any widget, starting from `initial` traits. */
export function fakeModelOf<T extends Traits>(initial: T): FakeModel<T> {
  const state: Record<string, unknown> = { ...initial };
  const listeners = new Map<string, Handler[]>();
  let dirty: Record<string, unknown> = {};
  const emit = (ev: string, ...args: unknown[]) => {
    for (const f of (listeners.get(ev) ?? []).slice()) f(...args);
  };
  const model = {
    sent: [] as unknown[],
    pings: [] as unknown[],
    kernelAnswers: true,
    sentBuffers: [] as ArrayBuffer[][],
    saved: [] as Array<Partial<T>>,
    get: (k: string) => state[k],
    set: (k: string, v: unknown) => {
      if (Object.is(state[k], v)) return;
      state[k] = v;
      dirty[k] = v;
      emit(`change:${k}`);
    },
    on: (ev: string, f: Handler) => {
      listeners.set(ev, [...(listeners.get(ev) ?? []), f]);
    },
    off: (ev?: string | null, f?: Handler | null) => {
      if (!ev) return listeners.clear();
      if (!f) return void listeners.delete(ev);
      listeners.set(
        ev,
        (listeners.get(ev) ?? []).filter((g) => g !== f),
      );
    },
    save_changes: () => {
      model.saved.push(dirty as Partial<T>);
      dirty = {};
    },
    send: (content: unknown, _callbacks?: unknown, buffers?: ArrayBuffer[]) => {
      if (isPing(content)) {
        model.pings.push(content);
        if (model.kernelAnswers) emit("msg:custom", { op: "pong", n: content.n }, []);
        return;
      }
      model.sent.push(content);
      model.sentBuffers.push(buffers ?? []);
    },
    deliver: (msg: unknown) => emit("msg:custom", msg, []),
    kernelSet: (values: Record<string, unknown>) => {
      for (const [k, v] of Object.entries(values)) {
        if (Object.is(state[k], v)) continue;
        state[k] = v;
        emit(`change:${k}`);
      }
    },
    emit,
    listenerCount: () => [...listeners.values()].reduce((n, l) => n + l.length, 0),
    widget_manager: { get_model: async () => model },
  };
  return model as unknown as FakeModel<T>;
}

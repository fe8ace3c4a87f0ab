/**
 * The anywidget model as the shared front-end pieces see it (no DOM): a structural type any
 * widget's model satisfies, listening with cleanup, and the shape of a kernel channel.
 */

/** Event callbacks take whatever the model passes (a message and its buffers, nothing...). */
export type ModelHandler = (...args: unknown[]) => void;

/** The part of an anywidget model (`AnyModel<AnyTraits>`) that the shared pieces use. */
export interface ModelLike {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  on(eventName: string, callback: ModelHandler): void;
  off(eventName?: string | null, callback?: ModelHandler | null): void;
  send(content: unknown, callbacks?: unknown, buffers?: ArrayBuffer[]): void;
}

/** Teardown functions, run once each by `dispose` (views and clients collect their listeners here). */
export class Disposer {
  private readonly fns: Array<() => void> = [];

  add(fn: () => void): void {
    this.fns.push(fn);
  }

  /** `model.on(event, fn)` now, `model.off(event, fn)` on dispose. */
  listen(model: ModelLike, event: string, fn: ModelHandler): void {
    model.on(event, fn);
    this.add(() => model.off(event, fn));
  }

  dispose(): void {
    for (const fn of this.fns.splice(0)) fn();
  }
}

/**
 * Custom messages to and from the kernel for one widget model, and the news that the kernel went
 * away. KernelLink (kernel_link.ts) is the one the widgets use; tests bring their own.
 */
export interface KernelChannel {
  send(content: Record<string, unknown>, buffers?: ArrayBuffer[]): void;
  /** Calls `fn` with every kernel -> browser custom message; returns the unsubscribe function. */
  onMessage(fn: (msg: unknown) => void): () => void;
  /** Calls `fn` when the comm closes (kernel restart or shutdown) or the model is destroyed. */
  onClose(fn: () => void): () => void;
}

/**
 * Attachments of the Chatbox composer: files picked, pasted or dropped and voice notes recorded,
 * sent through the composed FileDrop's model with its Uploader (uploader.ts: the upload protocol,
 * the direct path with a short-lived token or a target held ahead of time, the FileDrop's accept
 * and size rules), shown as small progress chips above the text box until they are done. Each
 * upload is announced to the Chatbox (`{op: "attach", upload_id, reply_to}`) so the kernel posts
 * the file into the right conversation.
 */
import type { Composer } from "./chatbox_composer";
import { h } from "./dom";
import { icon } from "./icons";
import { acquireLink, releaseLink } from "./kernel_link";
import { probeMedia } from "./media_probe";
import { chunkingOf, effectiveLimit, formatClock } from "./upload_core";
import { isFinal, type Upload, Uploader } from "./uploader";
import { VoiceRecorder } from "./voice_recorder";
import type { ModelLike } from "./widget_model";

interface ChildHost {
  getModel?(ref: string): Promise<unknown>;
}

const PREFIX = "anywidget:";

/** The FileDrop model behind `ref` (through anywidget's host, else the widget manager). */
async function childModel(model: ModelLike, host: ChildHost | undefined, ref: string): Promise<ModelLike> {
  if (host?.getModel) return (await host.getModel(ref)) as ModelLike;
  const manager = (model as unknown as { widget_manager?: { get_model(id: string): Promise<unknown> } }).widget_manager;
  if (!manager) throw new Error("no widget manager to reach the attachments' model");
  return (await manager.get_model(ref.startsWith(PREFIX) ? ref.slice(PREFIX.length) : ref)) as ModelLike;
}

export class UploadTray {
  private readonly composer: Composer;
  private readonly model: ModelLike;
  private readonly host: ChildHost | undefined;
  private readonly send: (msg: Record<string, unknown>) => void;
  private readonly live: () => boolean;
  private uploader: Promise<{ up: Uploader; fd: ModelLike }> | null = null;
  private readonly offs: Array<() => void> = [];
  private readonly chips = new Map<string, HTMLDivElement>();
  private readonly recorder: VoiceRecorder;
  private recordTimer: ReturnType<typeof setInterval> | undefined;
  private recordReply: string | null = null;
  private disposed = false;

  constructor(
    composer: Composer,
    model: ModelLike,
    host: ChildHost | undefined,
    send: (msg: Record<string, unknown>) => void,
    live: () => boolean,
  ) {
    this.composer = composer;
    this.model = model;
    this.host = host;
    this.send = send;
    this.live = live;
    this.recorder = new VoiceRecorder((note) => void this.addVoice(note.blob, note.name, note.duration));
    composer.recordButton.hidden = !VoiceRecorder.supported();
  }

  private get(): Promise<{ up: Uploader; fd: ModelLike }> {
    this.uploader ??= (async () => {
      const ref = this.model.get("_attachments");
      if (typeof ref !== "string" || !ref) throw new Error("this Chatbox has no attachments widget");
      const fd = await childModel(this.model, this.host, ref);
      const up = new Uploader(
        acquireLink(fd),
        {
          accept: () => String(fd.get("accept") || ""),
          maxSize: () => effectiveLimit(Number(fd.get("max_size")) || 0, Number(fd.get("backend_max_size")) || 0),
          direct: () => !!fd.get("direct"),
          chunking: () => chunkingOf(fd.get("chunk_size"), fd.get("window")),
        },
        probeMedia,
      );
      this.offs.push(up.subscribe(() => this.sync(up)));
      if (this.disposed) up.dispose();
      return { up, fd };
    })();
    return this.uploader;
  }

  /**
   * A file may come soon: have the uploader ask for an upload target now (upload protocol 2), so
   * the file goes straight to the backend without waiting for a per-file offer.
   */
  prepare(): void {
    if (!this.live()) return;
    void this.get()
      .then(({ up }) => up.prepare())
      .catch(() => undefined); // attach() reports a missing attachments widget when a file comes
  }

  attach(files: File[], replyTo: string | null): void {
    if (!files.length || !this.live()) return;
    void this.get()
      .then(({ up }) => {
        for (const id of up.addFiles(files)) this.send({ op: "attach", upload_id: id, reply_to: replyTo });
      })
      .catch((err) => this.composer.setNotice(`Cannot attach: ${err instanceof Error ? err.message : String(err)}`));
  }

  private async addVoice(blob: Blob, name: string, duration: number): Promise<void> {
    try {
      const { up } = await this.get();
      const id = up.addRecording(blob, name, duration);
      this.send({ op: "attach", upload_id: id, reply_to: this.recordReply });
    } catch (err) {
      this.composer.setNotice(`Cannot send the recording: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  async toggleRecording(replyTo: string | null): Promise<void> {
    const button = this.composer.recordButton;
    if (this.recorder.recording) {
      this.stopRecording(true);
      return;
    }
    if (!this.live()) return;
    this.recordReply = replyTo;
    try {
      button.disabled = true;
      await this.recorder.start();
    } catch (err) {
      this.composer.setNotice(
        `Microphone not available: ${err instanceof Error ? err.message || err.name : String(err)}`,
      );
      return;
    } finally {
      button.disabled = false;
    }
    if (!this.recorder.recording) return;
    this.composer.el.classList.add("tw-cb-composer--recording");
    button.setAttribute("aria-pressed", "true");
    button.setAttribute("aria-label", "Stop and send the voice message");
    this.recordTimer = setInterval(
      () => this.composer.setNotice(`Recording ${formatClock(this.recorder.elapsed())}`),
      250,
    );
    this.composer.setNotice("Recording 0:00");
  }

  private stopRecording(keep: boolean): void {
    clearInterval(this.recordTimer);
    this.recordTimer = undefined;
    this.recorder.stop(keep);
    this.composer.el.classList.remove("tw-cb-composer--recording");
    const button = this.composer.recordButton;
    button.setAttribute("aria-pressed", "false");
    button.setAttribute("aria-label", "Record a voice message");
    this.composer.setNotice("");
  }

  /** Chips for uploads in flight or failed; done ones leave (their message shows in the thread). */
  private sync(up: Uploader): void {
    const list = this.composer.uploads;
    const seen = new Set<string>();
    for (const u of up.uploads()) {
      if (u.phase === "done" || u.phase === "cancelled") continue;
      seen.add(u.id);
      let chip = this.chips.get(u.id);
      if (!chip) {
        chip = this.chip(up, u);
        this.chips.set(u.id, chip);
        list.append(chip);
      }
      this.fillChip(chip, u, up);
    }
    for (const [id, chip] of this.chips) {
      if (!seen.has(id)) {
        chip.remove();
        this.chips.delete(id);
      }
    }
    list.hidden = this.chips.size === 0;
  }

  private chip(up: Uploader, u: Upload): HTMLDivElement {
    const chip = h("div", "tw-cb-upload", { role: "listitem" });
    const name = h("span", "tw-cb-upload-name");
    name.textContent = u.name;
    name.title = u.name;
    const status = h("span", "tw-cb-upload-status");
    const bar = h("span", "tw-cb-upload-bar");
    bar.append(h("span", "tw-cb-upload-fill"));
    const close = h("button", "tw-cb-iconbutton tw-cb-upload-close", {
      type: "button",
      "aria-label": `Cancel ${u.name}`,
    });
    close.append(icon("close", "tw-cb-svg"));
    close.addEventListener("click", () => {
      if (isFinal(u.phase)) {
        this.chips.get(u.id)?.remove();
        this.chips.delete(u.id);
      } else up.cancel(u.id);
    });
    chip.append(name, status, bar, close);
    return chip;
  }

  private fillChip(chip: HTMLDivElement, u: Upload, up: Uploader): void {
    const current = up.uploads().find((x) => x.id === u.id) ?? u;
    const status = chip.querySelector(".tw-cb-upload-status")!;
    const fill = chip.querySelector<HTMLElement>(".tw-cb-upload-fill")!;
    chip.dataset.phase = current.phase;
    if (current.phase === "error") {
      status.textContent = current.error;
      chip.setAttribute("role", "alert");
      chip.querySelector(".tw-cb-upload-close")?.setAttribute("aria-label", `Dismiss ${current.name}`);
    } else {
      const pct = current.size ? Math.floor((current.acked / current.size) * 100) : 0;
      status.textContent = current.phase === "sending" ? `${pct}%` : "Sending…";
      fill.style.width = current.phase === "sending" ? `${pct}%` : "100%";
    }
  }

  dispose(): void {
    this.disposed = true;
    this.stopRecording(false);
    this.recorder.dispose();
    clearInterval(this.recordTimer);
    for (const off of this.offs.splice(0)) off();
    void this.uploader
      ?.then(({ up, fd }) => {
        up.dispose();
        releaseLink(fd);
      })
      .catch(() => undefined);
  }
}

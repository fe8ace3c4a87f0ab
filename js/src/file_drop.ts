/**
 * Front end of `talkwidgets.FileDrop` (anywidget ESM module): drop zone, file picker, voice-note
 * recorder, and the list of uploads.
 *
 * Views share one Uploader per model (uploader.ts: the protocol of docs/upload-protocol.md), which
 * runs on the model's KernelLink (kernel_link.ts: is the kernel still there?); they show `viewRows`
 * (upload_rows.ts): the kernel's `rows` trait merged with the uploader's local progress. Kinds and
 * metadata are read in the browser (`kindOf` in upload_core.ts, media_probe.ts); voice notes are
 * timed while recording (voice_recorder.ts). A file larger than the smaller of `max_size` and the
 * backend's limit (`backend_max_size`, asked by the kernel) is refused before any byte moves.
 * While the link is not live, the zone and the record button are disabled and say why.
 */
import "./file_drop.css";
import type { AnyModel, Initialize, Render } from "@anywidget/types";
import { h, LiveRegion, widgetRoot } from "./dom";
import { type IconName, icon, isIconName } from "./icons";
import { acquireLink, type KernelLink, offlineText, releaseLink } from "./kernel_link";
import { KeyedRows } from "./keyed_rows";
import { probeMedia } from "./media_probe";
import type { FileDropModel } from "./types";
import { chunkingOf, effectiveLimit, formatClock, kindLabel, metaSummary, zoneHint } from "./upload_core";
import { kernelRows, type ViewRow, viewRows } from "./upload_rows";
import { Uploader, type UploadPolicy } from "./uploader";
import { VoiceRecorder } from "./voice_recorder";
import { Disposer } from "./widget_model";

type Model = AnyModel<FileDropModel>;

/** The largest file the widget takes now (0: no limit known). */
function sizeLimit(model: Model): number {
  return effectiveLimit(Number(model.get("max_size")) || 0, Number(model.get("backend_max_size")) || 0);
}

/** What the uploader reads from the FileDrop traits when a file is added. */
function policyOf(model: Model): UploadPolicy {
  return {
    accept: () => model.get("accept") || "",
    maxSize: () => sizeLimit(model),
    direct: () => !!model.get("direct"),
    chunking: () => chunkingOf(model.get("chunk_size"), model.get("window")),
  };
}

interface Shared {
  up: Uploader;
  users: number;
}

// Keyed by the model object a view gets: anywidget gives each view its own proxy of the model in
// JupyterLab (so one uploader per view there), the same object to every view elsewhere.
const UPLOADERS = new WeakMap<object, Shared>();

/** The uploader of a FileDrop model (shared by the views given the same model object). */
export function uploaderOf(model: Model): Uploader {
  let shared = UPLOADERS.get(model);
  if (!shared) {
    shared = { up: new Uploader(acquireLink(model), policyOf(model), probeMedia), users: 0 };
    UPLOADERS.set(model, shared);
  }
  return shared.up;
}

function acquireUploader(model: Model): Uploader {
  const up = uploaderOf(model);
  UPLOADERS.get(model)!.users++;
  return up;
}

function releaseUploader(model: Model): void {
  const shared = UPLOADERS.get(model);
  if (!shared || --shared.users > 0) return;
  shared.up.dispose();
  UPLOADERS.delete(model);
  releaseLink(model);
}

interface RowEls {
  el: HTMLDivElement;
  kindEl: HTMLDivElement;
  kind: string;
  name: HTMLSpanElement;
  status: HTMLSpanElement;
  meta: HTMLDivElement;
  bar: HTMLDivElement;
  fill: HTMLDivElement;
  error: HTMLDivElement;
  cancel: HTMLButtonElement;
  sig: string;
}

/** A FileDrop icon (sized and stroked by the .tw-fd-svg rules). */
function fdIcon(name: IconName, className = "tw-fd-svg"): SVGSVGElement {
  return icon(name, className);
}

let viewCounter = 0;

export class FileDropView {
  readonly root: HTMLDivElement;
  private readonly model: Model;
  private readonly up: Uploader;
  private readonly link: KernelLink;
  private readonly uid = `tw-fd-${++viewCounter}`;
  private readonly zone: HTMLDivElement;
  private readonly zoneTitle: HTMLSpanElement;
  private readonly zoneHintEl: HTMLSpanElement;
  private readonly input: HTMLInputElement;
  private readonly recBtn: HTMLButtonElement;
  private readonly recLabel: HTMLSpanElement;
  private readonly recTime: HTMLSpanElement;
  private readonly list: HTMLDivElement;
  private readonly banner: HTMLDivElement;
  private readonly offline: HTMLDivElement;
  private readonly live: LiveRegion;
  private readonly rows: KeyedRows<ViewRow, RowEls>;
  private readonly recorder: VoiceRecorder;
  private readonly listeners = new Disposer();
  private dragDepth = 0;
  private recTimer: ReturnType<typeof setInterval> | undefined;
  private readonly announced = new Map<string, string>();

  constructor(model: Model, el: HTMLElement) {
    this.model = model;
    this.up = acquireUploader(model);
    this.link = acquireLink(model);
    this.recorder = new VoiceRecorder((note) => this.up.addRecording(note.blob, note.name, note.duration));
    const root = widgetRoot("tw-fd");
    this.root = root;

    const bar = h("div", "tw-fd-bar");
    this.zone = h("div", "tw-fd-zone", {
      role: "button",
      tabindex: "0",
      "aria-describedby": `${this.uid}-hint`,
    });
    const zoneIcon = h("span", "tw-fd-zone-icon");
    zoneIcon.append(fdIcon("upload"));
    const zoneText = h("span", "tw-fd-zone-text");
    this.zoneTitle = h("span", "tw-fd-zone-title");
    this.zoneHintEl = h("span", "tw-fd-zone-hint", { id: `${this.uid}-hint` });
    zoneText.append(this.zoneTitle, this.zoneHintEl);
    this.zone.append(zoneIcon, zoneText);

    this.recBtn = h("button", "tw-fd-rec", { type: "button", "aria-pressed": "false" });
    const recIcon = h("span", "tw-fd-rec-icon");
    recIcon.append(fdIcon("voice"), fdIcon("stop", "tw-fd-svg tw-fd-svg-stop"));
    this.recLabel = h("span", "tw-fd-rec-label");
    this.recTime = h("span", "tw-fd-rec-time", { "aria-hidden": "true" });
    const recText = h("span", "tw-fd-rec-text");
    recText.append(this.recLabel, this.recTime);
    this.recBtn.append(recIcon, recText);
    bar.append(this.zone, this.recBtn);

    this.input = h("input", "tw-fd-input", { type: "file", tabindex: "-1", "aria-hidden": "true" });
    this.input.hidden = true;

    this.banner = h("div", "tw-fd-banner", { role: "alert" });
    this.banner.hidden = true;
    this.offline = h("div", "tw-fd-banner tw-fd-offline", { role: "alert" });
    this.offline.hidden = true;
    this.list = h("div", "tw-fd-list", { role: "list", "aria-label": "Uploads" });
    this.live = new LiveRegion("tw-fd-sr");
    root.append(this.offline, bar, this.input, this.banner, this.list, this.live.el);
    el.appendChild(root);
    this.rows = new KeyedRows(this.list, {
      create: (id) => this.createRow(id),
      update: (els, row) => this.fillRow(els, row),
    });

    // A file may come soon: have an upload target ready, so that it goes straight to the backend.
    for (const ev of ["pointerenter", "focus", "dragenter"]) this.zone.addEventListener(ev, () => this.up.prepare());
    this.recBtn.addEventListener("pointerenter", () => this.up.prepare());
    this.zone.addEventListener("click", () => this.pick());
    // Like a native button: Enter opens the picker on keydown, Space on keyup (keydown only stops scrolling).
    this.zone.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        e.preventDefault();
        this.pick();
      } else if (e.key === " " || e.key === "Spacebar") {
        e.preventDefault();
      }
    });
    this.zone.addEventListener("keyup", (e) => {
      if (e.key === " " || e.key === "Spacebar") {
        e.preventDefault();
        this.pick();
      }
    });
    this.input.addEventListener("change", () => {
      const files = Array.from(this.input.files ?? []);
      this.input.value = ""; // the same file can be picked again
      this.take(files);
    });
    // JupyterLab handles drops on the notebook (opening files): keep ours.
    root.addEventListener("dragenter", (e) => this.onDrag(e, +1));
    root.addEventListener("dragover", (e) => this.onDrag(e, 0));
    root.addEventListener("dragleave", (e) => this.onDrag(e, -1));
    root.addEventListener("drop", (e) => this.onDrop(e));
    this.recBtn.addEventListener("click", () => void this.toggleRecording());
    this.list.addEventListener("click", (e) => {
      const btn = (e.target as Element).closest?.(".tw-fd-cancel");
      const row = btn?.closest<HTMLElement>(".tw-fd-row");
      if (btn && row?.dataset.id) this.up.cancel(row.dataset.id);
    });

    for (const key of ["accept", "max_size", "backend_max_size", "limit_note", "multiple", "recorder"]) {
      this.listeners.listen(model, `change:${key}`, () => this.syncControls());
    }
    this.listeners.listen(model, "change:rows", () => this.syncRows());
    this.listeners.add(this.up.subscribe(() => this.syncRows()));
    this.listeners.add(this.link.subscribe(() => this.syncControls()));
    this.syncControls();
    this.syncRows();
  }

  destroy(): void {
    this.stopRecording(false);
    this.recorder.dispose();
    this.listeners.dispose();
    releaseLink(this.model);
    releaseUploader(this.model);
    this.root.remove();
  }

  private get linked(): boolean {
    return this.link.state().live;
  }

  // --- controls --------------------------------------------------------------------------------

  private syncControls(): void {
    const accept = this.model.get("accept") || "";
    const multiple = this.model.get("multiple") !== false;
    this.input.accept = accept;
    this.input.multiple = multiple;
    this.zoneTitle.textContent = multiple
      ? "Drop files here or click to choose"
      : "Drop a file here or click to choose";
    const limit = sizeLimit(this.model);
    this.zoneHintEl.textContent = zoneHint(accept, limit, this.model.get("limit_note") || "");
    this.zoneHintEl.title = limit > 0 ? this.model.get("limit_note") || "" : "";
    this.zone.setAttribute("aria-label", multiple ? "Choose files to upload" : "Choose a file to upload");
    this.recBtn.hidden = !this.model.get("recorder") || !VoiceRecorder.supported();
    this.syncLink();
    this.syncRecorder();
  }

  /** Live: the zone and the record button work. Not live: both disabled, and a banner says why. */
  private syncLink(): void {
    const state = this.link.state();
    this.root.dataset.link = state.live ? "live" : "offline";
    this.zone.setAttribute("aria-disabled", String(!state.live));
    this.zone.tabIndex = state.live ? 0 : -1;
    this.input.disabled = !state.live;
    this.recBtn.disabled = !state.live;
    if (!state.live && this.recorder.recording) this.stopRecording(false);
    const text = offlineText(state);
    if (this.offline.textContent !== text) this.offline.textContent = text;
    this.offline.hidden = !text;
    this.offline.dataset.reason = state.reason ?? "";
  }

  private pick(): void {
    this.link.check();
    if (!this.linked) return;
    this.input.click();
  }

  private take(files: File[]): void {
    if (!files.length) return;
    this.link.check();
    if (!this.linked) {
      this.live.say(`Not sent: ${offlineText(this.link.state())}`);
      return;
    }
    if (this.model.get("multiple") === false && files.length > 1) {
      this.live.say(`One file at a time: only ${files[0]!.name} is uploaded.`);
      files = files.slice(0, 1);
    }
    this.up.addFiles(files);
  }

  private onDrag(e: DragEvent, step: number): void {
    e.preventDefault();
    e.stopPropagation();
    if (e.dataTransfer && step >= 0) e.dataTransfer.dropEffect = "copy";
    this.dragDepth = step === 0 ? Math.max(this.dragDepth, 1) : Math.max(0, this.dragDepth + step);
    this.root.classList.toggle("tw-fd--dragover", this.dragDepth > 0);
  }

  private onDrop(e: DragEvent): void {
    e.preventDefault();
    e.stopPropagation();
    this.dragDepth = 0;
    this.root.classList.remove("tw-fd--dragover");
    this.take(Array.from(e.dataTransfer?.files ?? []));
  }

  // --- recording -------------------------------------------------------------------------------

  private async toggleRecording(): Promise<void> {
    if (this.recorder.recording) {
      this.stopRecording(true);
      return;
    }
    this.link.check();
    if (!this.linked) return;
    this.showBanner("");
    try {
      this.recBtn.disabled = true;
      await this.recorder.start();
    } catch (err) {
      this.showBanner(`Microphone not available: ${err instanceof Error ? err.message || err.name : String(err)}`);
      return;
    } finally {
      this.recBtn.disabled = false;
    }
    if (!this.recorder.recording) return; // the view went away while the browser asked
    this.recTimer = setInterval(() => this.syncRecorder(), 250);
    this.syncRecorder();
    this.live.say("Recording");
  }

  private stopRecording(keep: boolean): void {
    if (this.recTimer !== undefined) clearInterval(this.recTimer);
    this.recTimer = undefined;
    if (!this.recorder.recording) return;
    this.recorder.stop(keep);
    this.syncRecorder();
    if (keep) this.live.say("Recording stopped");
  }

  private syncRecorder(): void {
    const on = this.recorder.recording;
    this.root.classList.toggle("tw-fd--recording", on);
    this.recBtn.setAttribute("aria-pressed", String(on));
    const elapsed = on ? formatClock(this.recorder.elapsed()) : "";
    this.recLabel.textContent = on ? "Stop" : "Record";
    this.recTime.textContent = elapsed;
    this.recTime.hidden = !on;
    this.recBtn.setAttribute("aria-label", on ? `Stop recording (${elapsed})` : "Record a voice note");
  }

  // --- rows ------------------------------------------------------------------------------------

  private syncRows(): void {
    const rows = viewRows(kernelRows(this.model.get("rows")), this.up.uploads());
    this.rows.show(rows);
    this.list.hidden = rows.length === 0;
  }

  private createRow(id: string): RowEls {
    const el = h("div", "tw-fd-row", { role: "listitem" });
    el.dataset.id = id;
    const kindEl = h("div", "tw-fd-kind");
    const main = h("div", "tw-fd-main");
    const line = h("div", "tw-fd-line");
    const name = h("span", "tw-fd-name");
    const status = h("span", "tw-fd-status");
    line.append(name, status);
    const meta = h("div", "tw-fd-meta");
    const bar = h("div", "tw-fd-progress", { role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100" });
    const fill = h("div", "tw-fd-progress-fill");
    bar.append(fill);
    const error = h("div", "tw-fd-error");
    main.append(line, meta, bar, error);
    const cancel = h("button", "tw-fd-cancel", { type: "button" });
    cancel.append(fdIcon("close"));
    el.append(kindEl, main, cancel);
    return { el, kindEl, kind: "", name, status, meta, bar, fill, error, cancel, sig: "" };
  }

  private fillRow(r: RowEls, row: ViewRow): void {
    const sig = JSON.stringify(row);
    if (sig === r.sig) return;
    r.sig = sig;
    r.el.dataset.state = row.state;
    r.el.dataset.kind = row.kind;
    r.el.dataset.path = row.path;
    if (r.kind !== row.kind) {
      r.kind = row.kind;
      r.kindEl.replaceChildren(fdIcon(isIconName(row.kind) ? row.kind : "file"));
      r.kindEl.title = kindLabel(row.kind);
    }
    r.name.textContent = row.name || "(unnamed)";
    r.name.title = row.name;
    const statusIcon = row.state === "done" ? "check" : row.state === "error" ? "alert" : null;
    r.status.replaceChildren(...(statusIcon ? [fdIcon(statusIcon, "tw-fd-svg tw-fd-status-icon")] : []), row.status);
    r.meta.textContent = metaSummary(row.kind, row.values, row.size);

    const busy = row.state === "reading" || row.state === "sending" || row.state === "uploading";
    r.bar.hidden = !busy;
    r.bar.classList.toggle("tw-fd-progress--indeterminate", busy && row.progress === null);
    r.bar.setAttribute("aria-label", `${row.name}: ${row.status}`);
    if (row.progress === null) {
      r.bar.removeAttribute("aria-valuenow");
      r.fill.style.transform = "";
    } else {
      const pct = Math.floor(row.progress * 100);
      r.bar.setAttribute("aria-valuenow", String(pct));
      r.fill.style.transform = `scaleX(${row.progress.toFixed(4)})`;
    }
    r.error.textContent = row.error;
    r.error.hidden = !row.error;
    r.cancel.hidden = !row.cancellable;
    r.cancel.setAttribute("aria-label", `Cancel ${row.name}`);
    r.cancel.title = "Cancel";

    // Announce outcomes once (errors are the important part for screen readers).
    const outcome =
      row.state === "error" ? `${row.name}: ${row.error}` : row.state === "done" ? `${row.name} uploaded` : "";
    if (outcome && this.announced.get(row.id) !== outcome) {
      this.announced.set(row.id, outcome);
      this.live.say(outcome);
    }
  }

  private showBanner(text: string): void {
    this.banner.textContent = text;
    this.banner.hidden = !text;
  }
}

// Nothing to do per model: the uploader and the kernel link belong to the views (see UPLOADERS).
const initialize: Initialize<FileDropModel> = () => undefined;

const render: Render<FileDropModel> = ({ model, el }) => {
  const view = new FileDropView(model, el);
  return () => view.destroy();
};

// Only a default export: anywidget treats a named `render` export as the deprecated module format.
export default { initialize, render };

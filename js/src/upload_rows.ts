/**
 * What an upload list shows (no DOM): the kernel's rows (a synced trait: they survive page reloads
 * and carry the backend's final word) merged with the uploader's local records (progress, refusals,
 * local cancels), one ViewRow per file.
 */
import { formatBytes, type KernelRow, type MediaValues } from "./upload_core";
import { isFinal, type Upload } from "./uploader";

/** What a view shows for one row. */
export interface ViewRow {
  id: string;
  name: string;
  kind: string;
  size: number;
  values: MediaValues;
  state: "reading" | "sending" | "uploading" | "done" | "error" | "cancelled";
  /** 0..1, or null for "busy, amount unknown". */
  progress: number | null;
  status: string;
  error: string;
  path: string;
  cancellable: boolean;
}

/** The well-formed rows of a `rows` trait value. */
export function kernelRows(value: unknown): KernelRow[] {
  return Array.isArray(value) ? value.filter((r) => r && typeof r.id === "string") : [];
}

/** Kernel rows the browser does not know first (e.g. from before a page reload), then the local uploads in order. */
export function viewRows(kernel: readonly KernelRow[], local: readonly Upload[]): ViewRow[] {
  const byId = new Map(kernel.map((k) => [k.id, k]));
  const localIds = new Set(local.map((u) => u.id));
  const out: ViewRow[] = [];
  for (const k of kernel) if (!localIds.has(k.id)) out.push(fromKernel(k));
  for (const u of local) out.push(merge(u, byId.get(u.id)));
  return out;
}

function fromKernel(k: KernelRow): ViewRow {
  const values = k.metadata ?? {};
  const base = { id: k.id, name: k.name, kind: k.kind, size: k.size, values, path: k.path, cancellable: false };
  switch (k.status) {
    case "done":
      return { ...base, state: "done", progress: 1, status: "Done", error: "" };
    case "cancelled":
      return { ...base, state: "cancelled", progress: null, status: "Cancelled", error: "" };
    case "uploading":
      return { ...base, state: "uploading", progress: null, status: "Uploading…", error: "" };
    case "error": {
      const status = k.path === "none" ? "Not sent" : "Failed";
      return { ...base, state: "error", progress: null, status, error: k.error || "failed" };
    }
    default: // its browser went away (page reload) before the bytes were sent
      return {
        ...base,
        state: "error",
        progress: null,
        status: "Interrupted",
        error: "interrupted: the page was reloaded",
      };
  }
}

function merge(e: Upload, k: KernelRow | undefined): ViewRow {
  const values = k?.metadata && e.phase !== "reading" ? { ...e.values, ...pick(k.metadata) } : e.values;
  const base = { id: e.id, name: e.name, kind: e.kind, size: e.size, values, path: k?.path ?? e.path };
  // Local outcomes (refused here, cancelled here, kernel gone) win; otherwise the kernel's final word.
  if (!isFinal(e.phase) && k && isFinal(k.status)) return fromKernel({ ...k, name: e.name });
  switch (e.phase) {
    case "reading":
      return { ...base, state: "reading", progress: null, status: "Reading…", error: "", cancellable: true };
    case "direct":
      return { ...base, state: "sending", progress: null, status: "Uploading directly…", error: "", cancellable: true };
    case "sending": {
      const p = e.size > 0 ? e.acked / e.size : 0;
      const status = `${Math.floor(p * 100)}% · ${formatBytes(e.acked)} of ${formatBytes(e.size)}`;
      return { ...base, state: "sending", progress: p, status, error: "", cancellable: true };
    }
    case "uploading":
      return { ...base, state: "uploading", progress: null, status: "Uploading…", error: "", cancellable: true };
    case "done":
      return { ...base, state: "done", progress: 1, status: "Done", error: "", cancellable: false };
    case "cancelled":
      return { ...base, state: "cancelled", progress: null, status: "Cancelled", error: "", cancellable: false };
    default: {
      const status = e.refused ? "Not sent" : "Failed";
      return { ...base, state: "error", progress: null, status, error: e.error || "failed", cancellable: false };
    }
  }
}

function pick(m: KernelRow["metadata"]): MediaValues {
  const out: MediaValues = {};
  for (const k of ["width", "height", "duration"] as const) if (typeof m[k] === "number") out[k] = m[k];
  return out;
}

/**
 * Voice notes from the microphone (getUserMedia + MediaRecorder), one at a time, with no UI of
 * its own. It times each note itself: recorded containers often carry no duration.
 */
import { recordingName } from "./upload_core";

export interface VoiceNote {
  blob: Blob;
  /** "voice-2026-11-28-143005.webm" */
  name: string;
  /** Seconds, to the millisecond. */
  duration: number;
}

interface Take {
  rec: MediaRecorder;
  keep: boolean;
  started: number;
  stopped: number;
}

export class VoiceRecorder {
  private readonly onNote: (note: VoiceNote) => void;
  private take: Take | null = null;
  private startedAt = 0;
  private disposed = false;

  /** `onNote` gets each note stopped with `keep` (and not empty). */
  constructor(onNote: (note: VoiceNote) => void) {
    this.onNote = onNote;
  }

  /** This browser can record (it still asks the user for the microphone). */
  static supported(): boolean {
    return (
      typeof MediaRecorder !== "undefined" && typeof navigator !== "undefined" && !!navigator.mediaDevices?.getUserMedia
    );
  }

  get recording(): boolean {
    return this.take !== null;
  }

  /** Seconds since the recording started; 0 when not recording. */
  elapsed(): number {
    return this.take ? (Date.now() - this.startedAt) / 1000 : 0;
  }

  /** Ask for the microphone and start; rejects with the browser's reason (permission denied, no device...). */
  async start(): Promise<void> {
    if (this.take) return;
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const release = () => {
      for (const t of stream.getTracks()) t.stop();
    };
    if (this.disposed || this.take) {
      release(); // closed (or started twice) while the user was asked: keep the microphone off
      return;
    }
    let rec: MediaRecorder;
    try {
      rec = new MediaRecorder(stream);
    } catch (err) {
      release();
      throw err;
    }
    const take: Take = { rec, keep: false, started: 0, stopped: 0 };
    const chunks: Blob[] = [];
    rec.addEventListener("dataavailable", (e) => {
      if (e.data.size) chunks.push(e.data);
    });
    rec.addEventListener("start", () => {
      take.started = performance.now();
      this.startedAt = Date.now();
    });
    rec.addEventListener("stop", () => {
      release();
      if (!take.keep || !chunks.length) return;
      // The time between start and stop is the duration.
      const end = take.stopped || performance.now();
      const duration = take.started ? Math.max(0, end - take.started) / 1000 : 0;
      const type = rec.mimeType || chunks[0]!.type || "audio/webm";
      const blob = new Blob(chunks, { type });
      this.onNote({ blob, name: recordingName(type, new Date()), duration: Math.round(duration * 1000) / 1000 });
    });
    this.take = take;
    rec.start(1000);
    this.startedAt = Date.now();
  }

  /** Stop recording; with `keep` the note goes to `onNote`, without it is dropped. */
  stop(keep: boolean): void {
    const take = this.take;
    if (!take) return;
    this.take = null;
    take.keep = keep;
    take.stopped = performance.now();
    if (take.rec.state !== "inactive") take.rec.stop();
    else for (const t of take.rec.stream.getTracks()) t.stop();
  }

  /** Drop any recording and refuse to start one that was still waiting for the microphone. */
  dispose(): void {
    this.disposed = true;
    this.stop(false);
  }
}

/** Shapes of the widgets' synced traits and of the data the kernel sends (snake_case, as Python sends them). */
import type { ListOp } from "./list_sync";
import type { KernelRow } from "./upload_core";

export type Timestamp = number | string | null | undefined;

export interface UserRef {
  id: string;
  name?: string | null;
  photo_url?: string | null;
  role?: string | null;
  custom?: Record<string, string> | null;
  locale?: string | null;
}

export interface TextBlock {
  type: "text";
  children: unknown[];
}

export interface FileBlock {
  type: "file";
  subtype: null | "image" | "video" | "audio" | "voice";
  filename?: string | null;
  size?: number | null;
  url?: string | null;
  width?: number | null;
  height?: number | null;
  duration?: number | null;
}

export interface LocationBlock {
  type: "location";
  latitude: number;
  longitude: number;
}

export type ContentBlock = TextBlock | FileBlock | LocationBlock;

export interface MessageSnapshot {
  id: string;
  type: "UserMessage" | "SystemMessage";
  sender: UserRef | null;
  plaintext?: string | null;
  created_at?: Timestamp;
  edited_at?: Timestamp;
  custom?: Record<string, string> | null;
  content?: ContentBlock[] | null;
}

export interface Participant {
  id: string;
  name?: string | null;
  photo_url?: string | null;
}

export interface Conversation {
  id: string;
  subject?: string | null;
  photo_url?: string | null;
  custom?: Record<string, string> | null;
  created_at?: Timestamp;
  joined_at?: Timestamp;
  unread_message_count?: number | null;
  is_unread?: boolean | null;
  read_until?: Timestamp;
  everyone_read_until?: Timestamp;
  access?: string | null;
  notify?: boolean | string | null;
  last_message?: MessageSnapshot | null;
  /** Widget extension: the participants other than the current user. */
  participants?: Participant[] | null;
}

export type SubscriptionState = "pending" | "active" | "unsubscribed" | "error";
export type ConnectionState = "connected" | "reconnecting" | "offline";

/** Synced traits of the ConversationList widget. */
export interface ConversationListModel {
  conversations: Conversation[];
  current_user_id: string;
  loaded_all: boolean;
  state: SubscriptionState;
  error: string;
  connection: ConnectionState;
  selected_id: string | null;
  loading_more: boolean;
  _seq: number;
}

/** ConversationList: kernel -> browser custom messages. */
export type KernelMessage = { op: "patch"; seq: number; ops: ListOp<Conversation>[] };

/** ConversationList: browser -> kernel custom messages. */
export type BrowserMessage =
  | { op: "ready"; seq: number }
  | { op: "resync" }
  | { op: "load_more"; count: number }
  | { op: "select"; id: string };

/** Synced traits of `talkwidgets.FileDrop`. */
export interface FileDropModel {
  rows: KernelRow[];
  accept: string;
  max_size: number;
  /** The backend's upload limit in bytes; 0 while the kernel asks, or when the backend publishes none. */
  backend_max_size: number;
  /** Where the size limit comes from, or why there is none, in words. */
  limit_note: string;
  multiple: boolean;
  recorder: boolean;
  direct: boolean;
  chunk_size: number;
  window: number;
}

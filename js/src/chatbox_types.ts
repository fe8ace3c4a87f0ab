/** Shapes of the Chatbox's synced traits and messages (snake_case, as Python sends them; docs/widgets.md). */
import type { ConnectionState } from "./types";

export interface Person {
  id: string;
  name?: string | null;
  photo_url?: string | null;
  role?: string | null;
}

export interface Participant extends Person {
  access?: string | null;
  /** null while unknown */
  online?: boolean | null;
}

export interface FileContent {
  type: "file";
  subtype: null | "image" | "video" | "audio" | "voice";
  filename?: string | null;
  size?: number | null;
  width?: number | null;
  height?: number | null;
  duration?: number | null;
}

export interface TextContent {
  type: "text";
  children: unknown[];
}

export interface LocationContent {
  type: "location";
  latitude: number;
  longitude: number;
}

export type Block = TextContent | FileContent | LocationContent | { type: string };

export interface Reaction {
  emoji: string;
  count: number;
  current_user_reacted: boolean;
}

export interface Quote {
  id: string;
  type?: string;
  sender?: Person | null;
  created_at?: number | null;
  plaintext?: string | null;
  file?: { subtype: string | null; filename?: string | null } | null;
}

export interface Message {
  id: string;
  type: "UserMessage" | "SystemMessage";
  conversation_id?: string | null;
  sender: Person | null;
  created_at: number;
  edited_at?: number | null;
  origin?: string;
  plaintext?: string | null;
  content?: Block[] | null;
  custom?: Record<string, string> | null;
  reactions?: Reaction[] | null;
  referenced_message_id?: string | null;
  referenced_message?: Quote | null;
}

export interface ConversationHeader {
  id?: string;
  subject?: string | null;
  photo_url?: string | null;
  custom?: Record<string, string> | null;
  access?: string | null;
  read_until?: number | null;
  everyone_read_until?: number | null;
  participant_count?: number | null;
}

export interface Typing {
  many: boolean;
  users: Person[];
}

export type ChatState = "idle" | "pending" | "active" | "missing" | "unsubscribed" | "error";

/** Synced traits of `talkwidgets.Chatbox`. */
export interface ChatboxModel {
  conversation_id: string | null;
  messages: Message[];
  conversation: ConversationHeader;
  participants: Participant[];
  typing: Typing;
  draft: string;
  current_user: Person;
  loaded_all: boolean;
  loading_more: boolean;
  state: ChatState;
  error: string;
  connection: ConnectionState;
  _seq: number;
  /** Python handles action buttons and links (else they are shown inert). */
  actions: boolean;
  _attachments: string | null;
}

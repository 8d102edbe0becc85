/**
 * The platform-neutral answer to a command. The core fills it with text already in the
 * member's language; each adapter renders it (Discord embeds and components, Slack Block Kit,
 * console text). Strings are plain text: user-typed text inside them is data, and every
 * adapter escapes or strips it for its own markup before sending.
 */
export type Visibility = 'public' | 'ephemeral';
export type Tone = 'neutral' | 'success' | 'warning' | 'error';
export type ActionStyle = 'primary' | 'secondary' | 'danger';

/** A command the member can run by clicking; adapters encode it into button ids. */
export interface CommandInvocation {
  /** Command id, for example `enroll` or `course.edit`. */
  command: string;
  options: Record<string, string | number | boolean>;
}

export interface Action {
  label: string;
  style: ActionStyle;
  invoke: CommandInvocation;
}

export interface Field {
  label: string;
  value: string;
  inline?: boolean;
}

export interface Section {
  title: string;
  lines: string[];
  fields?: Field[];
  /** Buttons that belong to this section (for example Enroll on a course). */
  actions?: Action[];
}

export interface FormField {
  /** The option of `submit.command` this field fills. */
  option: string;
  label: string;
  style: 'short' | 'paragraph';
  required: boolean;
  maxLength?: number;
  value?: string;
  placeholder?: string;
}

/** A modal: Discord and Slack open it; the console never receives one. */
export interface Form {
  title: string;
  submitLabel: string;
  fields: FormField[];
  /** The command that receives the fields; `fixed` options ride along unseen (e.g. the course). */
  submit: CommandInvocation;
}

export interface Pagination {
  page: number;
  pages: number;
  previous?: Action;
  next?: Action;
}

export interface Reply {
  visibility: Visibility;
  tone: Tone;
  title?: string;
  /** Paragraphs of plain text. */
  body: string[];
  fields: Field[];
  sections: Section[];
  /** Rows of buttons; a row holds at most five. */
  actions: Action[][];
  pagination?: Pagination;
  footer?: string;
  form?: Form;
  /**
   * Files that go with the answer (CSV exports, data a member asked for). Each adapter delivers
   * them its own way: Discord attachments, Slack uploads to the member's direct messages,
   * console files under ./exports/. A file over a platform's size limit is left out and the
   * reply says so, naming the limit.
   */
  files?: ReplyFile[];
  /** A picture shown with the answer (a chart); `alt` carries the same facts as text. */
  image?: ReplyImage;
}

/**
 * A file's bytes at once, or as a function that yields them chunk by chunk, so a large export
 * is written or uploaded as it is produced and a refused one is never produced in full.
 */
export type FileContent = Uint8Array | (() => AsyncIterable<Uint8Array>);

export interface ReplyFile {
  /** What the member sees and saves: `courses.csv`. Letters, digits, `.`, `-` and `_` only. */
  name: string;
  contentType: string;
  content: FileContent;
}

export interface ReplyImage {
  /** A PNG. */
  file: ReplyFile;
  /** What the image shows, for screen readers and for surfaces that show no images. */
  alt: string;
  /** A public address of the same image, for surfaces that link images rather than attach them. */
  url?: string;
}

export function reply(partial: Partial<Reply> & Pick<Reply, 'visibility'>): Reply {
  return { tone: 'neutral', body: [], fields: [], sections: [], actions: [], ...partial };
}

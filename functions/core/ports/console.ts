import type { Role } from '../people.js';
import type { LeadCard, ListPlan } from '../lead-index.js';
import type { LeadRef } from './capture.js';

/** Ports of the console: the lead list's index, the audit log. */

/** The console's lead lists (`core/lead-index.ts`): kept by the table stream's consumer, read per page. */
export interface LeadIndex {
  /**
   * Bring the lead's entries in line with its card; `undefined`: the lead is gone, so are its entries.
   * Returns how many entries it wrote or deleted (0: they were right already).
   */
  refresh(ref: LeadRef, card: LeadCard | undefined): Promise<number>;
  /**
   * One page of a list: up to `limit` cards that pass the plan's filters, reading at most `maxRead` entries
   * (the page's cost ceiling), and where to go on from. @throws ValidationError for a cursor of another list
   */
  page(siteId: string, plan: ListPlan, options: { limit: number; maxRead: number; cursor?: string | undefined }): Promise<ListPage>;
}

export interface ListPage {
  cards: LeadCard[];
  /** More of the list to read (a filtered page may hold fewer cards than asked, and still go on). */
  nextCursor?: string;
  /** Index entries read for this page. */
  read: number;
  /** A search that found more than it shows (it has no next page: type more of the name). */
  incomplete?: true;
}

/** Who did what, when, to which lead: every state-changing console action. Admins read it. */
export interface AuditEntry {
  at: string;
  /** The person: the issuer's subject, and the address when the token has one. */
  actor: { sub: string; email?: string };
  action: string;
  siteId?: string;
  leadId?: string;
  /** What else the action names (a key's name, a rep); never a secret or personal data beyond the actor's. */
  detail?: Record<string, string>;
}

export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
  /** Newest first, from a cursor. */
  list(options: { limit: number; cursor?: string | undefined }): Promise<{ entries: AuditEntry[]; nextCursor?: string }>;
}

/**
 * A CSV export of a whole filtered list, too long for one answer: queued, written to a file by the export
 * function, then downloaded by a link that expires (`use-cases/exports.ts`).
 */
export interface ExportJob {
  id: string;
  siteId: string;
  /** The list's filters and order, as the console's list takes them (no cursor, no page size). */
  query: Record<string, unknown>;
  /** Who asked: only they see the job and its link. */
  by: { sub: string; email?: string };
  createdAt: string;
  status: 'queued' | 'done' | 'failed';
  rows?: number;
  bytes?: number;
  /** The list went on past the most rows an export writes. */
  truncated?: true;
  finishedAt?: string;
  /** What went wrong, for a failed export (never a stack). */
  error?: string;
}

export interface ExportJobs {
  create(job: ExportJob): Promise<void>;
  get(id: string): Promise<ExportJob | undefined>;
  /** Record the outcome: a done job stays done (a retry changes nothing); a failed one may yet be done. */
  finish(id: string, outcome: Pick<ExportJob, 'status' | 'rows' | 'bytes' | 'truncated' | 'finishedAt' | 'error'>): Promise<void>;
}

/** Carries export jobs to the export function (SQS on AWS, the local queue on a laptop). */
export interface ExportQueue {
  enqueue(job: { exportId: string }): Promise<void>;
}

/** Where export files go (S3 on AWS, the data folder on a laptop). */
export interface ExportFiles {
  /** Write a file from its lines as they come (never whole in memory); writing it again replaces it. */
  write(name: string, lines: AsyncIterable<string>): Promise<{ bytes: number }>;
  /** A link that downloads the file as `downloadAs`, for `seconds`, to whoever holds it (no sign-in). */
  link(name: string, downloadAs: string, seconds: number): Promise<string>;
}

/** A person of the console as its directory lists them (never a password). */
export interface DirectoryPerson {
  /** The directory's id for them (Cognito: the user name, a UUID). */
  id: string;
  email: string;
  roles: Role[];
  /** `invited`: has not signed in yet (a temporary password was emailed); `active`; `disabled`. */
  status: 'invited' | 'active' | 'disabled';
  createdAt?: string;
}

/**
 * Who may sign in to the console, and in which roles: Cognito's user pool deployed, the local provider's
 * dev users on a laptop. With an operator's own provider (Entra ID, Okta…) people are managed there, and
 * there is no directory here.
 */
export interface PeopleDirectory {
  list(): Promise<DirectoryPerson[]>;
  /** Add a person (emailed an invitation with a temporary password). @throws PersonExistsError */
  invite(email: string, roles: readonly Role[]): Promise<DirectoryPerson>;
  /** Replace a person's roles: they hold the new ones from their next sign-in. @throws PersonNotFoundError */
  setRoles(id: string, roles: readonly Role[]): Promise<void>;
  /** Remove a person: they cannot sign in again (a token already issued lasts until it expires, an hour at most). @throws PersonNotFoundError */
  remove(id: string): Promise<void>;
}

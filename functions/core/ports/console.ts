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

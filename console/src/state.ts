import { signal } from '@preact/signals';

export type Role = 'admin' | 'marketer' | 'sales' | 'viewer';

export interface Me {
  sub: string;
  email?: string;
  roles: Role[];
  siteIds: string[];
  sites: { id: string; name: string; forms: { id: string; kind: string; variants: string[] }[]; fieldLabels: Record<string, string> }[];
}

/** Who is signed in (from `GET /v1/console/me`), once the console has asked. */
export const me = signal<Me | undefined>(undefined);

/** The site the console shows: kept in the address (`?site=`) so a link opens the same view. */
export const siteId = signal<string>('');

/** Whether the person signed in holds one of these roles (the API checks again: this only hides what they may not do). */
export const may = (...roles: Role[]) => me.value?.roles.some((r) => roles.includes(r)) ?? false;

export const currentSite = () => me.value?.sites.find((s) => s.id === siteId.value);

/**
 * The ports the use cases talk through, one file per area so a use case's dependencies read at a glance:
 * capture and scoring (`ports/capture.ts`), nurture (`ports/nurture.ts`), hand-off (`ports/handoff.ts`), the
 * console (`ports/console.ts`).
 */
export type * from './ports/capture.js';
export type * from './ports/nurture.js';
export type * from './ports/handoff.js';
export type * from './ports/metrics.js';
export type * from './ports/console.js';

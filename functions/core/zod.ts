/**
 * The schema library, once: `zod/mini` (the same validator as zod's chained API at a third of its bundle,
 * see docs/architecture.md) with zod's English messages, which `zod/mini` leaves out unless asked.
 * Import `* as z` from here, never from `zod` itself, so every schema shares this configuration.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export * from 'zod/mini';

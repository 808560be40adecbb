import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import type { OpenAPIV3 } from 'openapi-types';
import type { DestinationKind } from '../../functions/core/destinations/config.js';

/**
 * The vendors' own published API documents, when you have them in a folder (they are not in this
 * repository: they are the vendors'). With `FUNNEL_VENDOR_API_DIR` set, the validating mock checks every
 * request against these instead of the transcriptions beside this file, so the destination tests prove
 * Funnel's requests against the documents themselves (`npm run vendor-apis -- <folder>`; docs/hand-off.md
 * says where each file comes from).
 */
export const PUBLISHED_FILES = {
  hubspot: ['hubspot-contacts-v3.json', 'hubspot-notes-v3.json', 'hubspot-associations-v4.json'],
  pipedrive: ['pipedrive-v1.yaml', 'pipedrive-v2.yaml'],
} as const satisfies Partial<Record<DestinationKind, readonly string[]>>;

const read = (file: string): OpenAPIV3.Document =>
  (file.endsWith('.json') ? JSON.parse(readFileSync(file, 'utf8')) : load(readFileSync(file, 'utf8'))) as OpenAPIV3.Document;

/** The published documents found in `dir`, per vendor; a vendor whose files are not all there is left out. */
export function publishedDescriptions(dir: string): Partial<Record<DestinationKind, OpenAPIV3.Document[]>> {
  const out: Partial<Record<DestinationKind, OpenAPIV3.Document[]>> = {};
  for (const [vendor, files] of Object.entries(PUBLISHED_FILES) as [keyof typeof PUBLISHED_FILES, readonly string[]][]) {
    const paths = files.map((f) => join(dir, f));
    if (paths.every((p) => existsSync(p))) out[vendor] = paths.map(read);
  }
  return out;
}

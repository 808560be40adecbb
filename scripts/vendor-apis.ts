import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { OpenAPIV3 } from 'openapi-types';
import { hubspotApi } from '../local/vendor-apis/hubspot.js';
import { pipedriveApi } from '../local/vendor-apis/pipedrive.js';
import { PUBLISHED_FILES, publishedDescriptions } from '../local/vendor-apis/published.js';

/**
 * `npm run vendor-apis -- <folder>`: prove the destinations against the vendors' own published API
 * documents, kept in a folder of yours (they are the vendors', not this repository's; docs/hand-off.md
 * says where each comes from). It checks that every operation of the transcriptions in `local/vendor-apis/`
 * is one of the published documents', then runs the destination tests with the validating mock checking
 * every request against the published documents themselves.
 */
export const USAGE = `Usage: npm run vendor-apis -- <folder with ${Object.values(PUBLISHED_FILES).flat().join(', ')}>`;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** The transcription's operations missing from the published documents (`METHOD /path`). */
export function missingOperations(transcribed: OpenAPIV3.Document, published: readonly OpenAPIV3.Document[]): string[] {
  const known = new Set(
    published.flatMap((doc) => {
      const root = new URL(doc.servers?.[0]?.url ?? 'https://x').pathname.replace(/\/$/, '');
      return Object.entries(doc.paths).flatMap(([path, item]) => METHODS.filter((m) => item?.[m]).map((m) => `${m.toUpperCase()} ${root}${path}`));
    }),
  );
  return Object.entries(transcribed.paths)
    .flatMap(([path, item]) => METHODS.filter((m) => item?.[m]).map((m) => `${m.toUpperCase()} ${path}`))
    .filter((op) => !known.has(op));
}

export function main(argv: string[]): number {
  const dir = argv[0];
  if (dir === '--help' || dir === '-h') {
    console.log(USAGE);
    return 0;
  }
  if (!dir || !existsSync(dir)) {
    console.error(dir ? `No folder ${dir}.\n${USAGE}` : USAGE);
    return 1;
  }
  const published = publishedDescriptions(dir);
  const transcribed = { hubspot: hubspotApi, pipedrive: pipedriveApi };
  let missing = 0;
  for (const vendor of ['hubspot', 'pipedrive'] as const) {
    const docs = published[vendor];
    if (!docs) {
      console.log(`${vendor}: no published documents in ${dir} (${PUBLISHED_FILES[vendor].join(', ')}): checked against the transcription only`);
      continue;
    }
    const gone = missingOperations(transcribed[vendor], docs);
    missing += gone.length;
    console.log(
      `${vendor}: ${gone.length ? `operations missing from the published documents: ${gone.join(', ')}` : 'every transcribed operation is in the published documents'}`,
    );
  }
  console.log('salesforce, slack: no published OpenAPI documents; checked against the transcriptions of their documented requests');
  if (missing) return 1;
  const run = spawnSync('npx', ['vitest', 'run', 'test/adapters/destinations.test.ts'], {
    stdio: 'inherit',
    env: { ...process.env, FUNNEL_VENDOR_API_DIR: resolve(dir) },
  });
  return run.status ?? 1;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(main(process.argv.slice(2)));

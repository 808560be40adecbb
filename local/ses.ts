import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import sesModule from 'aws-ses-v2-local';
import sesStoreModule from 'aws-ses-v2-local/dist/store.js';
import { readJson, writeJson } from './files.js';
import { LOCAL_PAGE_HEADERS, MAIL_VIEWER_CSP } from './page-headers.js';

// A CommonJS module with `exports.default`: Node's ESM loader hands over the whole `module.exports`,
// bundlers and vitest honour `__esModule` and hand over `exports.default`. Accept both.
type SesServer = typeof sesModule.default;
const sesServer: SesServer = typeof sesModule === 'function' ? (sesModule as SesServer) : (sesModule as { default: SesServer }).default;
/** The emulator's in-memory store (the module its server uses: one per process). */
const sesStore = sesStoreModule as unknown as { getStoreReadonly(): { emails: LocalEmail[] } };

/** One email as the SES emulator stored it (`GET /store`). */
export interface LocalEmail {
  messageId: string;
  from: string;
  replyTo: string[];
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { html?: string; text?: string };
  headers?: { name: string; value: string }[];
  /** Epoch seconds. */
  at: number;
}

export interface LocalSes {
  /** The SES API endpoint; the mail viewer is served at the same address. */
  endpoint: string;
  viewerUrl: string;
  /** An SES v2 client pointed at the emulator. */
  client: SESv2Client;
  /** Every email received so far, oldest first. */
  emails(): Promise<LocalEmail[]>;
  clear(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Start the SES emulator (aws-ses-v2-local: the SES v1/v2 API, a store and a mail viewer) on loopback.
 * Its store is one per process: several emulators in one process (tests) see each other's emails, so
 * filter by recipient.
 * @example const ses = await startLocalSes(); console.log(ses.viewerUrl)
 */
export async function startLocalSes(options: { port?: number; host?: string; journal?: string } = {}): Promise<LocalSes> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  // aws-ses-v2-local resolves even when listening failed (Express 5 hands the error to a callback that
  // ignores it): a server that is not listening means the port was taken.
  const server: Server = await sesServer({ host, port });
  if (!server.listening) {
    server.close();
    throw new Error(`Port ${port} (the SES emulator and mail viewer) is already in use: set SES_PORT to another port`);
  }
  // The viewer is a page like the funnel's own local pages: the same headers, before Express answers.
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    for (const [name, value] of Object.entries({ ...LOCAL_PAGE_HEADERS, 'content-security-policy': MAIL_VIEWER_CSP })) res.setHeader(name, value);
  });
  const endpoint = `http://${host}:${(server.address() as AddressInfo).port}`;
  // The mail viewer keeps what it showed across restarts: the emails of the journal go back into the
  // emulator's store, and the store is written to the journal within a second of each new email.
  // (A clear replaces the store's array: it is read afresh each time.)
  const stored = () => sesStore.getStoreReadonly().emails;
  let saved = -1;
  const save = () => {
    if (!options.journal || stored().length === saved) return;
    saved = stored().length;
    writeJson(options.journal, stored());
  };
  if (options.journal && existsSync(options.journal)) {
    const known = new Set(stored().map((e) => e.messageId));
    stored().unshift(...readJson<LocalEmail[]>(options.journal).filter((e) => !known.has(e.messageId)));
    saved = stored().length;
  }
  const saving = options.journal ? setInterval(save, 1000).unref() : undefined;
  const client = new SESv2Client({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  return {
    endpoint,
    viewerUrl: endpoint.replace('127.0.0.1', 'localhost'),
    client,
    emails: async () => ((await (await fetch(`${endpoint}/store`)).json()) as { emails: LocalEmail[] }).emails,
    clear: async () => {
      await fetch(`${endpoint}/clear-store`, { method: 'POST' });
      save();
    },
    stop: async () => {
      clearInterval(saving);
      save();
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sesModule from 'aws-ses-v2-local';

// A CommonJS module with `exports.default`: Node's ESM loader hands over the whole `module.exports`,
// bundlers and vitest honour `__esModule` and hand over `exports.default`. Accept both.
type SesServer = typeof sesModule.default;
const sesServer: SesServer = typeof sesModule === 'function' ? (sesModule as SesServer) : (sesModule as { default: SesServer }).default;

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
export async function startLocalSes(options: { port?: number; host?: string } = {}): Promise<LocalSes> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  // aws-ses-v2-local resolves even when listening failed (Express 5 hands the error to a callback that
  // ignores it): a server that is not listening means the port was taken.
  const server: Server = await sesServer({ host, port });
  if (!server.listening) {
    server.close();
    throw new Error(`Port ${port} (the SES emulator and mail viewer) is already in use: set SES_PORT to another port`);
  }
  const endpoint = `http://${host}:${(server.address() as AddressInfo).port}`;
  const client = new SESv2Client({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  return {
    endpoint,
    viewerUrl: endpoint.replace('127.0.0.1', 'localhost'),
    client,
    emails: async () => ((await (await fetch(`${endpoint}/store`)).json()) as { emails: LocalEmail[] }).emails,
    clear: async () => void (await fetch(`${endpoint}/clear-store`, { method: 'POST' })),
    stop: async () => {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, renameSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { once } from 'node:events';
import type { ExportFiles } from '../functions/core/ports.js';
import { LOCAL_PAGE_HEADERS } from './page-headers.js';

const PATH = '/local/exports/';

/**
 * The local stand-in for the exports bucket and its presigned links: files in a folder (the data folder's
 * `exports/` with `npm start`), each link signed with a secret of this run and good for its seconds, as a
 * presigned S3 URL is. Written to a temporary name and renamed, so a link never serves half a file.
 */
export class LocalExportFiles implements ExportFiles {
  private readonly secret = randomBytes(32);

  constructor(private readonly options: { directory: string; baseUrl: () => string; now?: () => number }) {
    mkdirSync(options.directory, { recursive: true });
  }

  async write(name: string, lines: AsyncIterable<string>): Promise<{ bytes: number }> {
    const final = this.fileOf(name);
    if (!final) throw new Error(`not an export file name: ${name}`);
    const partial = `${final}.partial`;
    const out = createWriteStream(partial);
    let bytes = 0;
    try {
      for await (const line of lines) {
        bytes += Buffer.byteLength(line);
        // Wait for the disk when its buffer is full: the file is never held in memory.
        if (!out.write(line)) await once(out, 'drain');
      }
      out.end();
      await once(out, 'finish');
    } catch (error) {
      out.destroy();
      throw error;
    }
    renameSync(partial, final);
    return { bytes };
  }

  async link(name: string, downloadAs: string, seconds: number): Promise<string> {
    const expires = String(Math.floor(this.now() / 1000) + seconds);
    const query = new URLSearchParams({ as: downloadAs, expires, sig: this.sign(name, downloadAs, expires) });
    return `${this.options.baseUrl()}${PATH}${encodeURIComponent(name)}?${query}`;
  }

  handles(path: string): boolean {
    return path.startsWith(PATH);
  }

  /** A download by its link: 403 for a link altered or expired, 404 for a file that is not there. */
  serve(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const name = decodeURIComponent(url.pathname.slice(PATH.length));
    const [as, expires, sig] = ['as', 'expires', 'sig'].map((k) => url.searchParams.get(k) ?? '') as [string, string, string];
    const headers = { 'content-type': 'text/plain; charset=utf-8', ...LOCAL_PAGE_HEADERS };
    const expected = Buffer.from(this.sign(name, as, expires));
    if (sig.length !== expected.length || !timingSafeEqual(Buffer.from(sig), expected) || Number(expires) * 1000 < this.now())
      return void res.writeHead(403, headers).end('This link has expired or is not valid: ask the console for a new one.');
    const file = this.fileOf(name);
    const size = file && sizeOf(file);
    if (!file || size === undefined) return void res.writeHead(404, headers).end('No such export.');
    res.writeHead(200, {
      ...LOCAL_PAGE_HEADERS,
      'content-type': 'text/csv; charset=utf-8',
      'content-length': String(size),
      'content-disposition': `attachment; filename="${as.replace(/[^\w.-]/g, '_')}"`,
      'cache-control': 'no-store',
    });
    createReadStream(file).pipe(res);
  }

  /** Where a file is kept. Names are the use case's own (`<id>.csv`): anything else is refused, never resolved. */
  private fileOf(name: string): string | undefined {
    return /^[\w-]+\.csv$/.test(name) ? join(this.options.directory, name) : undefined;
  }

  private sign(name: string, as: string, expires: string): string {
    return createHmac('sha256', this.secret).update(`${name}\n${as}\n${expires}`).digest('base64url');
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }
}

function sizeOf(file: string): number | undefined {
  try {
    return statSync(file).size;
  } catch {
    return undefined;
  }
}

import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Readable } from 'node:stream';
import type { ExportFiles } from '../../core/ports.js';
import { EXPORT_PREFIX } from '../../core/exports.js';

/**
 * Export files in S3: written as a multipart upload from the lines as they come (5 MB parts, two in
 * flight: memory stays flat whatever the file's length), downloaded by a presigned GET that names the
 * file (`Content-Disposition`). The writer needs `s3:PutObject` (and `AbortMultipartUpload`), the link's
 * signer `s3:GetObject`, both on the prefix only.
 */
export class S3ExportFiles implements ExportFiles {
  constructor(private readonly options: { client: S3Client; bucket: string }) {}

  async write(name: string, lines: AsyncIterable<string>): Promise<{ bytes: number }> {
    let bytes = 0;
    const body = Readable.from(
      (async function* () {
        for await (const line of lines) {
          const chunk = Buffer.from(line);
          bytes += chunk.length;
          yield chunk;
        }
      })(),
    );
    await new Upload({
      client: this.options.client,
      params: { Bucket: this.options.bucket, Key: `${EXPORT_PREFIX}${name}`, Body: body, ContentType: 'text/csv; charset=utf-8' },
      partSize: 5 * 1024 * 1024,
      queueSize: 2,
      // A failed upload is aborted, so no part is left behind to pay for.
      leavePartsOnError: false,
    }).done();
    return { bytes };
  }

  link(name: string, downloadAs: string, seconds: number): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.options.bucket,
      Key: `${EXPORT_PREFIX}${name}`,
      ResponseContentDisposition: `attachment; filename="${downloadAs.replace(/[^\w.-]/g, '_')}"`,
    });
    return getSignedUrl(this.options.client, command, { expiresIn: seconds });
  }
}

import { S3Client } from '@aws-sdk/client-s3';
import type { ExportFiles } from '../../core/ports.js';
import type { Environment } from '../../environment.js';
import { S3ExportFiles } from './export-files.js';

/** The exports bucket (`EXPORT_BUCKET`). Only the entry files of the functions that write or link exports import this (and the S3 client). */
export const exportFilesFromEnvironment = (env: Environment): ExportFiles => new S3ExportFiles({ client: new S3Client({}), bucket: env.EXPORT_BUCKET! });

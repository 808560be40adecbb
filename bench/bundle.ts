import { build, type Metafile } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/**
 * Bundle an entry as the CDK stack bundles a function (esbuild, ESM, minified, node24, the AWS SDK bundled,
 * `module` before `main`), write it to `out`, and say what it weighs and which packages are in it.
 */
export async function bundleLikeLambda(entry: string, out: string): Promise<{ bytes: number; gzip: number; packages: Set<string> }> {
  const result = await build({
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    mainFields: ['module', 'main'],
    minify: true,
    metafile: true,
    nodePaths: [join(process.cwd(), 'node_modules')],
    banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
    logLevel: 'error',
  });
  const code = readFileSync(out);
  return { bytes: code.length, gzip: gzipSync(code).length, packages: packagesOf(result.metafile) };
}

const packagesOf = (meta: Metafile): Set<string> =>
  new Set(Object.keys(meta.inputs).flatMap((file) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? []));

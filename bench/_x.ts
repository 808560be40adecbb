import { build } from 'esbuild';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
const src = readFileSync('widget/src/loader.ts', 'utf8');
const size = async (code: string) => {
  writeFileSync('widget/src/_tmp.ts', code);
  const r = await build({
    entryPoints: ['widget/src/_tmp.ts'],
    bundle: true,
    write: false,
    minify: true,
    format: 'iife',
    target: 'es2020',
    define: { FORM_MODULE: '"chunks/form-AAAAAAAA.js"' },
    logLevel: 'silent',
  });
  const b = r.outputFiles[0]!.contents;
  return gzipSync(b, { level: 9 }).length;
};
const base = await size(src);
const cut = (from: string, to: string) => {
  const i = src.indexOf(from),
    j = src.indexOf(to, i);
  if (i < 0 || j < 0) throw new Error(from);
  return src.slice(0, i) + src.slice(j);
};
const tries: Record<string, string> = {
  track: cut('    const key = TOKEN + api;', '  };\n\n  /** Impressions'),
  impressions: cut('    if (seen[id]) return;', '  };\n\n  /** Show the form'),
  flush: cut('    clearTimeout(timer);', '  };\n\n  /** A form was shown'),
  triggers: cut('    const path = location.pathname;', '  };\n\n  const scan'),
  variant: cut('    const variant = variants', '    const { mode, trigger, cap }'),
  unmountForget: cut('    unmount() {', '  reset();\n  scan();'),
  click: cut("      on(d, 'click'", "      on(d, 'visibilitychange'"),
  callRetry: cut('    if (i) return [status];', '  }\n};'),
};
console.log('base', base);
for (const [k, code] of Object.entries(tries)) {
  try {
    console.log(k, base - (await size(code)));
  } catch (e) {
    console.log(k, 'fail', (e as Error).message.slice(0, 80));
  }
}
rmSync('widget/src/_tmp.ts');

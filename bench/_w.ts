import { gzipSync } from 'node:zlib';
import { buildWidget } from '../widget/build.js';
const { code } = await buildWidget();
console.log(code.length, gzipSync(code, { level: 9 }).length);

import { buildWidget } from '../widget/build.js';
const b = await buildWidget();
console.log(b.loaderGzipBytes, b.inlineGzipBytes, b.gzipBytes);
console.log(b.files[0]!.body.toString());

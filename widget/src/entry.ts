/**
 * The entry script: the stable URL every snippet loads (`widget.js`, cached five minutes). It only imports
 * the widget module, whose name carries its content hash (cached a year), from beside itself. Pasted twice,
 * it imports once: a module runs once per page. (`currentScript` is set for a classic script, also one a
 * tag manager inserts.)
 */
declare const WIDGET_MODULE: string;

import(new URL(WIDGET_MODULE, (document.currentScript as HTMLScriptElement).src).href);

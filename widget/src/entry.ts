/**
 * The entry script: the stable URL every snippet loads (`widget.js`, cached five minutes). It imports the
 * widget module, whose name carries its content hash (cached a year), from beside itself, and asks it to
 * mount what is new: a module runs once per page, but every copy of this script (pasted twice, inserted
 * later by a tag manager or a single-page app) scans again. `currentScript` is unset when a script
 * deferrer runs it late: then the first script of ours on the page says where it came from.
 */
declare const WIDGET_MODULE: string;

const self = (document.currentScript || document.querySelector('script[src*="/widget.js"]')) as HTMLScriptElement;
import(new URL(WIDGET_MODULE, self.src).href).then((m: { scan(): void }) => m.scan());

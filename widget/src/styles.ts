/**
 * The widget's stylesheet, shared by every form on the page (one constructed sheet, or one `<style>` per
 * shadow root where constructed sheets are missing). `.w` resets every inherited property
 * (`all: initial`), so a blog's `* { color: red !important }` reaching the host stops there.
 *
 * Theme from the page with custom properties, which cross the shadow boundary, or from the config:
 * `funnel-form { --funnel-accent: #0a7; --funnel-font: Georgia, serif; }`. Supported: --funnel-accent,
 * --funnel-accent-text, --funnel-text, --funnel-muted, --funnel-background, --funnel-border,
 * --funnel-error (and each as --funnel-dark-… for dark mode), --funnel-font, --funnel-font-size,
 * --funnel-radius, --funnel-max-width. The host's `scheme` attribute (light or dark) picks the palette.
 * Motion only for visitors who have not asked for less.
 */
export const CSS = `:host{display:block;margin:1.5em 0;--a:var(--funnel-accent,#2563eb);--at:var(--funnel-accent-text,#fff);--t:var(--funnel-text,#1d2330);--m:var(--funnel-muted,#586174);--bg:var(--funnel-background,#fff);--l:var(--funnel-border,#c4c9d4);--r:var(--funnel-error,#b42318)}
:host([scheme=dark]){--a:var(--funnel-dark-accent,#8cb4ff);--at:var(--funnel-dark-accent-text,#0b1220);--t:var(--funnel-dark-text,#e8ebf2);--m:var(--funnel-dark-muted,#aeb6c5);--bg:var(--funnel-dark-background,#161b26);--l:var(--funnel-dark-border,#4d5668);--r:var(--funnel-dark-error,#ff9d94)}
:host([mode]){margin:0}
.w{all:initial;display:block;position:relative;max-width:var(--funnel-max-width,32rem);padding:1.25em;border:1px solid var(--l);border-radius:var(--funnel-radius,10px);background:var(--bg);color:var(--t);font:var(--funnel-font-size,16px)/1.45 var(--funnel-font,system-ui,sans-serif)}
*{box-sizing:border-box}
h2{margin:0 0 .3em;font-size:1.25em}
p,.f{margin:0 0 .8em}
.d{color:var(--m)}
label{display:block;margin:0 0 .25em;font-weight:600;font-size:.9em}
input,select,button{font:inherit;color:inherit;margin:0}
.f>input,select{display:block;width:100%;padding:.5em .6em;border:1px solid var(--l);border-radius:6px;background:var(--bg)}
:focus-visible{outline:3px solid var(--a);outline-offset:2px}
.f>[aria-invalid=true]{border-color:var(--r);box-shadow:inset 0 0 0 1px var(--r)}
.e{display:block;margin-top:.25em;color:var(--r);font-size:.875em}
.c{display:flex;gap:.5em;font-weight:400}
.hp{position:absolute;left:-9999px;width:1px;height:1px;overflow:hidden}
button,.b{display:inline-block;cursor:pointer;padding:.6em 1.2em;border:0;border-radius:6px;background:var(--a);color:var(--at);font-weight:600;text-decoration:none}
[disabled]{opacity:.6;cursor:progress}
[role=alert]{color:var(--r);font-weight:600}
.ok:focus{outline:0}
a{color:var(--a)}
.x{position:absolute;top:.4em;inset-inline-end:.4em;min-width:2.75rem;min-height:2.75rem;padding:0;background:none;color:var(--t);font:400 1.5em/1 system-ui,sans-serif}
.p{padding:0;border:0;background:none;width:min(32rem,100vw - 2em);max-height:calc(100vh - 2em);overflow:auto}
.p::backdrop{background:#0b1220b3}
.p .w,.slide-in .w{padding-top:2.5em}
.slide-in,.bar{position:fixed;z-index:2147483646}
.slide-in{bottom:1em;width:min(24rem,100vw - 2em);max-height:calc(100vh - 2em);overflow:auto}
.right{right:1em}.left{left:1em}
.bar{left:0;right:0}.bar.top{top:0}.bar.bottom{bottom:0}
.bar .w{max-width:none;border-radius:0;display:flex;flex-wrap:wrap;align-items:flex-end;gap:0 1em;padding-inline-end:3.5em;max-height:60vh;overflow:auto}
.bar h2,.bar .d,.bar [role=alert]{flex-basis:100%}.bar [role=alert]{order:1;margin:0}.bar .f{flex:1 1 12em;max-width:26em}.bar button[type=submit]{margin-bottom:.8em}
@media (prefers-reduced-motion:no-preference){.p,.slide-in,.bar{animation:in .25s ease-out}@keyframes in{from{opacity:0;transform:translateY(1em)}}}`;

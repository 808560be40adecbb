/**
 * The widget's stylesheet, shared by every form on the page (one constructed sheet, or one `<style>` per
 * shadow root where constructed sheets are missing). `.w` resets every inherited property
 * (`all: initial`), so a blog's `* { color: red !important }` reaching the host stops there.
 *
 * Theme from the page with custom properties, which cross the shadow boundary, or from the config:
 * `funnel-form { --funnel-accent: #0a7; --funnel-font: Georgia, serif; }`. Supported: --funnel-accent,
 * --funnel-accent-text, --funnel-text, --funnel-muted, --funnel-background, --funnel-border,
 * --funnel-error (and each as --funnel-dark-… for dark mode), --funnel-font, --funnel-font-size,
 * --funnel-radius, --funnel-max-width. The host's `scheme` attribute (light or dark) picks the palette; the
 * dark one keeps the page's accent (and its text colour) unless a dark accent is given.
 */
export const CSS = `:host{display:block;margin:1.5em 0;--a:var(--funnel-accent,#2563eb);--at:var(--funnel-accent-text,#fff);--t:var(--funnel-text,#1d2330);--m:var(--funnel-muted,#586174);--bg:var(--funnel-background,#fff);--l:var(--funnel-border,#c4c9d4);--r:var(--funnel-error,#b42318)}
:host([scheme=dark]){--a:var(--funnel-dark-accent,var(--funnel-accent,#2563eb));--at:var(--funnel-dark-accent-text,var(--funnel-accent-text,#fff));--t:var(--funnel-dark-text,#e8ebf2);--m:var(--funnel-dark-muted,#aeb6c5);--bg:var(--funnel-dark-background,#161b26);--l:var(--funnel-dark-border,#4d5668);--r:var(--funnel-dark-error,#ff9d94)}
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
a{color:var(--a)}`;

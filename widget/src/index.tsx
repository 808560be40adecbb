import { render } from 'preact';
import { CSS } from './styles.js';
import { FunnelForm } from './form.js';
import { track } from './track.js';

/**
 * The loader. Every `<script data-funnel-form="ebook">` on the page gets a `<funnel-form>` right after it.
 * The module runs once per page, and every copy of the entry script (the same snippet pasted twice, one
 * inserted later by a tag manager or a single-page app) calls `scan` again: a script is marked once it has
 * its form, so nothing mounts twice. A snippet without `data-funnel-form` mounts nothing and
 * only tracks (see track.ts); every snippet and form tracks too, at most once per page load and API.
 *
 * `<funnel-form form="ebook" api="https://api.example.com">` also works on its own, without the loader.
 */
const TAG = 'funnel-form';
let sheet: CSSStyleSheet | undefined;
const base = (api: string) => api.replace(/\/+$/, '');

class FunnelFormElement extends HTMLElement {
  connectedCallback() {
    if (this.shadowRoot) return;
    const root = this.attachShadow({ mode: 'open' });
    try {
      // One constructed sheet shared by every form on the page; CSP style-src does not apply to it.
      if (!sheet) {
        sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
      }
      root.adoptedStyleSheets = [sheet];
    } catch {
      const style = document.createElement('style');
      style.nonce = this.getAttribute('nonce') || '';
      style.textContent = CSS;
      root.append(style);
    }
    const api = base(this.getAttribute('api') || location.origin);
    void track(api);
    render(<FunnelForm api={api} formId={this.getAttribute('form') || ''} />, root);
  }
}

function mount(script: HTMLScriptElement) {
  const d = script.dataset;
  if (d.funnelMounted) return;
  d.funnelMounted = '1';
  const api = d.funnelApi || (script.src ? new URL(script.src).origin : location.origin);
  if (!d.funnelForm) return void track(base(api));
  const el = document.createElement(TAG);
  el.setAttribute('form', d.funnelForm);
  el.setAttribute('api', api);
  const nonce = d.funnelNonce || script.nonce;
  if (nonce) el.setAttribute('nonce', nonce);
  script.after(el);
}

/** Mount every snippet not mounted yet. A module has no `currentScript`: snippets are found by their attributes. */
export function scan() {
  document.querySelectorAll<HTMLScriptElement>('script[data-funnel-form],script[data-funnel-api]').forEach(mount);
}

if (!customElements.get(TAG)) customElements.define(TAG, FunnelFormElement);
// A snippet parsed after the module ran (a sync script high in the page) is caught here.
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', scan);

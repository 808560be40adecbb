import { render } from 'preact';
import { CSS } from './styles.js';
import { FunnelForm } from './form.js';

/**
 * The loader. Every `<script data-funnel-form="ebook">` on the page gets a `<funnel-form>` right after it.
 * The same snippet may be pasted several times, and each copy runs this bundle: a script is marked
 * once it has its form, so nothing mounts twice.
 *
 * `<funnel-form form="ebook" api="https://api.example.com">` also works on its own, without the loader.
 */
const TAG = 'funnel-form';
let sheet: CSSStyleSheet | undefined;

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
    const api = (this.getAttribute('api') || location.origin).replace(/\/+$/, '');
    render(<FunnelForm api={api} formId={this.getAttribute('form') || ''} />, root);
  }
}

function mount(script: HTMLScriptElement) {
  if (script.dataset.funnelMounted) return;
  script.dataset.funnelMounted = '1';
  const el = document.createElement(TAG);
  const d = script.dataset;
  el.setAttribute('form', d.funnelForm!);
  el.setAttribute('api', d.funnelApi || (script.src ? new URL(script.src).origin : location.origin));
  const nonce = d.funnelNonce || script.nonce;
  if (nonce) el.setAttribute('nonce', nonce);
  script.after(el);
}

function scan() {
  const current = document.currentScript as HTMLScriptElement | null;
  if (current?.dataset.funnelForm) mount(current);
  document.querySelectorAll<HTMLScriptElement>('script[data-funnel-form]').forEach(mount);
}

if (!customElements.get(TAG)) customElements.define(TAG, FunnelFormElement);
scan();
// A snippet parsed after this copy of the bundle ran (a sync script high in the page) is caught here.
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', scan);

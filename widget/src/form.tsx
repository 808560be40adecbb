import type { FormFieldView, SubmissionResponse } from '../../functions/core/contracts.js';
import { type ApiResult, httpUrl, newId, pageContext, submit } from './api.js';
// biome-ignore lint/correctness/noUnusedImports: the JSX factory (tsconfig `jsxFactory`)
import { h } from './dom.js';
import type { View } from './loader.js';
import { kv, TOKEN } from './store.js';

export interface FormOptions {
  api: string;
  view: View;
  /** The fields to ask (progressive profiling may have changed the view's). */
  fields: FormFieldView[];
  /** performance.now() at the moment the definition's serverTime describes: its arrival, less the time a CDN kept it. */
  arrived: number;
  /** Called once the server accepted the submission. */
  done(): void;
}

/**
 * The form: renders the definition, submits it once (retries reuse the same submission id), puts each
 * error next to its field and replaces itself with a success panel that takes focus. Built once as DOM;
 * what changes is set on the elements directly.
 */
export function form(o: FormOptions): HTMLElement {
  const { view, api } = o;
  const t = view.strings;
  // serverTime is the server's clock at `arrived`: add what elapsed until the form was on screen. The
  // visitor's own clock is never read, so its skew does not matter.
  const startedAt = Math.round(view.serverTime + performance.now() - o.arrived);
  /** The current attempt: its id is reused by retries and double clicks until the visitor edits the form. */
  let attempt: { id: string; sent?: boolean } | undefined;
  let inFlight = false;
  const errors: Record<string, HTMLElement> = {};
  const controls: Record<string, HTMLInputElement> = {};
  const alert = <p role="alert" />;
  const button = <button type="submit">{view.submitLabel}</button>;

  /** A field's block: its content (label and control), then the place for its error. */
  const row = (name: string, control: HTMLElement, ...content: HTMLElement[]) => {
    controls[name] = control as HTMLInputElement;
    return (
      <div class="f">
        {content}
        {(errors[name] = <span class="e" id={`e-${name}`} hidden />)}
      </div>
    );
  };

  const fields = o.fields.map((f) => {
    const id = `f-${f.name}`;
    const common = { id, name: f.name, required: f.required, autocomplete: f.autocomplete };
    const control =
      f.type == 'select' ? (
        <select {...common}>
          <option value="">{t.choose}</option>
          {f.options?.map((x) => (
            <option>{x}</option>
          ))}
        </select>
      ) : (
        <input {...common} type={f.type} placeholder={f.placeholder} maxlength={f.maxLength} />
      );
    return row(
      f.name,
      control,
      <label for={id}>
        {f.label}
        {!f.required && <span class="d"> {t.optional}</span>}
      </label>,
      control,
    );
  });
  const consent = view.consent && <input type="checkbox" id="f-consent" name="consent" value="yes" required={view.consent.marketing.required} />;

  /** Show `msg` next to a field (or clear it with ''): the field is marked invalid and described by the message. */
  const setError = (name: string, msg: string) => {
    const c = controls[name]!;
    errors[name]!.textContent = msg;
    errors[name]!.hidden = !msg;
    if (msg) {
      c.setAttribute('aria-invalid', 'true');
      c.setAttribute('aria-describedby', `e-${name}`);
    } else {
      c.removeAttribute('aria-invalid');
      c.removeAttribute('aria-describedby');
    }
  };
  const focusInvalid = () => requestAnimationFrame(() => el.querySelector<HTMLElement>('[aria-invalid=true]')?.focus());
  const busy = (on: boolean) => {
    inFlight = on;
    button.toggleAttribute('disabled', on);
    button.textContent = on ? t.sending : view.submitLabel;
    el.setAttribute('aria-busy', `${on}`);
  };

  /**
   * The form's own check of a field, in the config's words (`strings`), not the browser's: a required field
   * left blank, an address that is not one, a required consent box not ticked. The server checks everything again.
   */
  const labelOf = (name: string) => o.fields.find((f) => f.name == name)?.label;
  const problem = (name: string) => {
    const c = controls[name]!;
    // A definition a CDN kept from before these strings existed has none: its `fix` says enough.
    const say = (s = t.fix) => s.replace('{label}', labelOf(name)!);
    return name == 'consent'
      ? c.required && !c.checked
        ? t.accept
        : ''
      : c.required && !c.value.trim()
        ? say(t.required)
        : c.validity.typeMismatch
          ? say(t.email)
          : '';
  };

  const send = async (e: Event) => {
    e.preventDefault();
    if (inFlight) return;
    let invalid = 0;
    for (const name in controls) {
      const msg = problem(name);
      setError(name, msg);
      if (msg) invalid++;
    }
    if (invalid) {
      alert.textContent = t.fix;
      return focusInvalid();
    }
    alert.textContent = '';
    const data = new FormData(el as HTMLFormElement);
    const values: Record<string, string> = {};
    for (const f of o.fields) {
      const v = String(data.get(f.name) ?? '');
      if (v.trim() || f.required) values[f.name] = v;
    }
    const current = (attempt ??= { id: newId() });
    busy(true);
    const r = await submit(api, view.id, {
      submissionId: current.id,
      fields: values,
      ...(view.consent && { consent: { marketing: data.get('consent') == 'yes' } }),
      ...(view.variant && { variant: view.variant }),
      context: pageContext(),
      hp: String(data.get('hp') ?? ''),
      startedAt,
      // Shows the API this browser created the lead it may be about to update (a claim otherwise).
      visitorToken: kv(TOKEN + api) || undefined,
    });
    busy(false);
    // Only a definite 4xx means nothing was recorded; after a network failure or a 5xx the same id is kept.
    if (r.status >= 400 && r.status < 500) current.sent = true;
    if (r.ok) return success(r.data);
    const all = Object.entries(r.error?.fields ?? {});
    let shown = 0;
    for (const [path, msg] of all) {
      const name = path == 'consent.marketing' ? 'consent' : path.replace(/^fields\./, '');
      // The API says what is wrong in a fragment ("must be a valid email address"); next to the browser's own
      // messages the visitor reads a sentence that names the field: "Work email must be a valid email address."
      const label = name == 'consent' ? 'This box' : labelOf(name);
      if (label && controls[name]) shown++, setError(name, /[.!?]$/.test(msg) ? msg : `${label} ${msg}.`);
    }
    alert.textContent = shown && shown == all.length ? t.fix : failure(r);
    if (shown) focusInvalid();
  };

  /** A human sentence for a failed call. Field errors are shown next to their fields instead. */
  const failure = (r: Extract<ApiResult<unknown>, { ok: false }>) =>
    r.status == 0 ? t.offline : r.status == 429 ? t.tooMany : r.status >= 500 ? t.failed : r.error?.message || t.failed;

  const success = (r: SubmissionResponse) => {
    o.done();
    // A token comes back only with marketing consent: from the next page on, page views are tracked.
    if (r.visitorToken) kv(TOKEN + api, r.visitorToken);
    const next = r.next;
    const ok = (
      <div class="w ok" role="status" tabindex="-1">
        {/* The same id as the title: a popup or slide-in stays labelled by it. */}
        <h2 id="t">{r.message || (next.type == 'confirm-email' ? t.confirmTitle : t.thanks)}</h2>
        {next.type == 'download' && httpUrl(next.url) && (
          <a class="b" href={next.url} download target="_blank" rel="noopener">
            {t.download.replace('{title}', view.leadMagnet?.title ?? '')}
          </a>
        )}
        {next.type == 'confirm-email' && <p>{t.confirmText}</p>}
        {next.type == 'redirect' && httpUrl(next.url) && (
          <a class="b" href={next.url}>
            {t.continue}
          </a>
        )}
        {next.type == 'message' && <p>{next.text}</p>}
      </div>
    );
    // A redirect is a link, not a navigation: the visitor reads the message and decides when to leave the article.
    el.replaceWith(ok);
    ok.focus();
  };

  const el = (
    <form
      class="w"
      novalidate
      aria-labelledby="t"
      onSubmit={send}
      // Typing after an attempt got a definite answer starts a new attempt (new id): the data is no longer the
      // same. A field shown as wrong loses its message as soon as it is right (a new one waits for the submit).
      onInput={(e: Event) => {
        if (attempt?.sent) attempt = undefined;
        const name = (e.target as HTMLInputElement).name;
        if (controls[name]?.hasAttribute('aria-invalid') && !problem(name)) {
          setError(name, '');
          if (!el.querySelector('[aria-invalid=true]')) alert.textContent = '';
        }
      }}
    >
      <h2 id="t">{view.title}</h2>
      {view.description && <p class="d">{view.description}</p>}
      {fields}
      {consent &&
        row(
          'consent',
          consent,
          <label class="c" for="f-consent">
            {consent}
            <span>{view.consent!.marketing.text}</span>
          </label>,
        )}
      <div class="hp" aria-hidden="true">
        {/* biome-ignore lint/a11y/noAriaHiddenOnFocusable: a honeypot; off screen and out of the tab order, it must not be announced either */}
        <input name="hp" tabindex="-1" autocomplete="off" aria-hidden="true" />
      </div>
      {alert}
      {button}
    </form>
  );
  return el;
}

import { Component } from 'preact';
import type { FormView, SubmissionResponse } from '../../functions/core/contracts.js';
import { getForm, httpUrl, pageContext, submit, uuid, type ApiResult } from './api.js';
import { remember } from './track.js';

export interface FunnelFormProps {
  /** API base URL without a trailing slash, e.g. `https://api.example.com`. */
  api: string;
  formId: string;
}

type Errors = Record<string, string>;

const FIX = 'Please correct the highlighted fields.';

/** A human sentence for a failed call. Field errors are shown next to their fields instead. */
function failure(r: Extract<ApiResult<unknown>, { ok: false }>): string {
  if (r.status === 0) return 'Could not reach the server. Check your connection and try again.';
  if (r.status === 429) return 'Too many attempts, please wait a minute and try again.';
  if (r.status >= 500) return 'Something went wrong on our side. Please try again.';
  return r.error?.message || 'Something went wrong. Please try again.';
}

/**
 * Client-side check of one control: the browser's own message for `required`, `type=email` and
 * `maxlength`, already in the visitor's language. The server checks everything again.
 */
const check = (el: HTMLInputElement) => el.validationMessage;

interface State {
  view?: FormView;
  loadError?: string;
  busy?: boolean;
  errors: Errors;
  formError?: string;
  done?: SubmissionResponse;
}

/**
 * The form: loads its definition, renders it, submits it once (retries reuse the same submission id)
 * and replaces itself with a success panel that takes focus. A class rather than hooks: it saves
 * preact/hooks (~1.4 KB gzipped) from the bundle.
 */
export class FunnelForm extends Component<FunnelFormProps, State> {
  // Fields are declared, not initialised: es2020 has no class fields, and their lowering costs bytes.
  /** performance.now() when the form definition arrived (the moment serverTime describes). */
  declare private arrived: number;
  /** When the form was shown, epoch ms in server time. */
  declare private startedAt: number;
  /** The current attempt: its id is reused by retries and double clicks until the visitor edits the form. */
  declare private attempt?: { id: string; sent: boolean };
  /** Not state: a double click fires twice before the disabled button is rendered. */
  declare private inFlight?: boolean;
  declare private form?: HTMLFormElement | null;
  declare private ok?: HTMLElement | null;

  constructor(props: FunnelFormProps) {
    super(props);
    this.state = { errors: {} };
  }

  override componentDidMount() {
    void this.load();
  }

  async load() {
    this.setState({ loadError: '' });
    const { api, formId } = this.props;
    const r = await getForm(api, formId);
    this.arrived = performance.now();
    // A definition a CDN kept `age` seconds: the server's clock has moved on by that much since serverTime.
    if (r.ok) this.setState({ view: { ...r.data, serverTime: r.data.serverTime + r.age * 1000 } });
    else this.setState({ loadError: r.status == 404 ? 'This form is not available.' : failure(r) });
  }

  override componentDidUpdate(_: FunnelFormProps, prev: State) {
    const { view, done } = this.state;
    // serverTime is the server's clock when the GET was answered, i.e. at `arrived`: add what elapsed until
    // the form was on screen. The visitor's own clock is never read, so its skew does not matter.
    if (view && !prev.view) this.startedAt = Math.round(view.serverTime + performance.now() - this.arrived);
    // The success panel takes focus (and, as a status region, is announced). A redirect is a link, not a
    // navigation: the visitor reads the message and decides when to leave the article.
    if (done && !prev.done) this.ok?.focus();
  }

  /** Typing after an attempt got a definite answer starts a new attempt (new id): the data is no longer the same. */
  edited() {
    if (this.attempt?.sent) this.attempt = undefined;
  }

  focusInvalid() {
    requestAnimationFrame(() => this.form?.querySelector<HTMLElement>('[aria-invalid=true]')?.focus());
  }

  async submit(e: Event) {
    e.preventDefault();
    const { form } = this;
    const { view } = this.state;
    if (!view || !form || this.inFlight) return;
    const errors: Errors = {};
    for (const el of form.querySelectorAll<HTMLInputElement>('[data-n]')) {
      const msg = check(el);
      if (msg) errors[el.dataset.n!] = msg;
    }
    if (Object.keys(errors).length) {
      this.setState({ errors, formError: FIX });
      return this.focusInvalid();
    }
    this.setState({ errors, formError: '' });
    const data = new FormData(form);
    const fields: Record<string, string> = {};
    for (const f of view.fields) {
      const v = String(data.get(f.name) ?? '');
      if (v.trim() || f.required) fields[f.name] = v;
    }
    const attempt = (this.attempt ??= { id: uuid(), sent: false });
    const body = {
      submissionId: attempt.id,
      fields,
      ...(view.consent && { consent: { marketing: data.get('consent') === 'yes' } }),
      context: pageContext(),
      hp: String(data.get('hp') ?? ''),
      startedAt: this.startedAt || 0,
    };
    this.inFlight = true;
    this.setState({ busy: true });
    const r = await submit(this.props.api, this.props.formId, body);
    this.inFlight = false;
    this.setState({ busy: false });
    // Only a definite 4xx means nothing was recorded; after a network failure or a 5xx the same id is kept.
    if (r.status >= 400 && r.status < 500) attempt.sent = true;
    if (r.ok) {
      // A token comes back only with marketing consent: from the next page on, page views are tracked.
      if (r.data.visitorToken) remember(this.props.api, r.data.visitorToken);
      return this.setState({ done: r.data });
    }
    const all = Object.entries(r.error?.fields ?? {});
    const shown: Errors = {};
    for (const [path, msg] of all) {
      const name = path == 'consent.marketing' ? 'consent' : path.replace(/^fields\./, '');
      // The API says what is wrong in a fragment ("must be a valid email address"); next to the browser's own
      // messages the visitor reads a sentence that names the field: "Work email must be a valid email address."
      const label = name == 'consent' ? 'This box' : view.fields.find((f) => f.name == name)?.label;
      if (label && form.querySelector(`[data-n="${name}"]`)) shown[name] = /[.!?]$/.test(msg) ? msg : `${label} ${msg}.`;
    }
    const n = Object.keys(shown).length;
    this.setState({ errors: shown, formError: n && n == all.length ? FIX : failure(r) });
    if (n) this.focusInvalid();
  }

  // Long by design: the form's markup in one place, as it appears on the page.
  render() {
    const { view, loadError, busy, errors, formError, done } = this.state;
    if (done) {
      const next = done.next;
      return (
        <div class="w ok" role="status" tabIndex={-1} ref={(el: HTMLDivElement | null) => void (this.ok = el)}>
          <h2>{done.message || (next.type == 'confirm-email' ? 'Almost there' : 'Thank you!')}</h2>
          {next.type == 'download' && httpUrl(next.url) && (
            <a class="b" href={next.url} download target="_blank" rel="noopener">
              Download {view?.leadMagnet?.title || 'now'}
            </a>
          )}
          {next.type == 'confirm-email' && <p>Check your inbox: we sent you an email to confirm your address.</p>}
          {next.type == 'redirect' && httpUrl(next.url) && (
            <a class="b" href={next.url}>
              Continue
            </a>
          )}
          {next.type == 'message' && <p>{next.text}</p>}
        </div>
      );
    }

    if (!view) {
      return (
        <div class="w" aria-busy={!loadError}>
          <p role="alert">{loadError}</p>
          {loadError ? (
            <button type="button" onClick={() => this.load()}>
              Try again
            </button>
          ) : (
            <p class="d">Loading…</p>
          )}
        </div>
      );
    }

    const describe = (name: string) => (errors[name] ? { 'aria-invalid': true, 'aria-describedby': `e-${name}` } : {});
    const errorText = (name: string) =>
      errors[name] && (
        <span class="e" id={`e-${name}`}>
          {errors[name]}
        </span>
      );

    return (
      <form
        class="w"
        ref={(el: HTMLFormElement | null) => void (this.form = el)}
        noValidate
        onSubmit={(e) => this.submit(e)}
        onInput={() => this.edited()}
        aria-labelledby="t"
      >
        <h2 id="t">{view.title}</h2>
        {view.description && <p class="d">{view.description}</p>}
        {view.fields.map((f) => {
          const id = `f-${f.name}`;
          const common = { id, name: f.name, 'data-n': f.name, required: f.required, autocomplete: f.autocomplete as 'on', ...describe(f.name) };
          return (
            <div class="f" key={f.name}>
              <label for={id}>
                {f.label}
                {!f.required && <span class="d"> (optional)</span>}
              </label>
              {f.type == 'select' ? (
                <select {...common}>
                  <option value="">Choose…</option>
                  {f.options?.map((o) => (
                    <option key={o}>{o}</option>
                  ))}
                </select>
              ) : (
                <input {...common} type={f.type as 'text'} placeholder={f.placeholder} maxLength={f.maxLength} />
              )}
              {errorText(f.name)}
            </div>
          );
        })}
        {view.consent && (
          <div class="f">
            <label class="c" for="f-consent">
              <input
                type="checkbox"
                id="f-consent"
                name="consent"
                value="yes"
                data-n="consent"
                required={view.consent.marketing.required}
                {...describe('consent')}
              />
              <span>{view.consent.marketing.text}</span>
            </label>
            {errorText('consent')}
          </div>
        )}
        <div class="hp" aria-hidden="true">
          <input name="hp" tabIndex={-1} autocomplete="off" aria-hidden="true" />
        </div>
        <p role="alert">{formError}</p>
        <button type="submit" disabled={busy}>
          {busy ? 'Sending…' : view.submitLabel}
        </button>
      </form>
    );
  }
}

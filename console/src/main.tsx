import { render } from 'preact';
import { LocationProvider, Router, Route, useLocation } from 'preact-iso/router';
import lazy, { ErrorBoundary } from 'preact-iso/lazy';
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { CALLBACK_PATH, completeSignIn, currentSession, signIn, signOut } from './auth.js';
import { me, may, siteId, type Me } from './state.js';
import { ErrorNote, Loading, PageTitle } from './ui.js';
import './styles.css';

// Each area is its own chunk, loaded when it is first opened.
const Overview = lazy(() => import('./pages/overview.js'));
const Forms = lazy(() => import('./pages/forms.js'));
const Handoff = lazy(() => import('./pages/handoff.js'));
const Emails = lazy(() => import('./pages/emails.js'));
const Deliverability = lazy(() => import('./pages/deliverability.js'));
const Leads = lazy(() => import('./pages/leads.js'));
const Lead = lazy(() => import('./pages/lead.js'));
const Audit = lazy(() => import('./pages/audit.js'));
const Keys = lazy(() => import('./pages/keys.js'));
const People = lazy(() => import('./pages/people.js'));

function SignInPage({ problem }: { problem?: string }) {
  return (
    <main id="main" class="signin">
      <PageTitle>Funnel console</PageTitle>
      <p>See how your forms convert, and work your leads.</p>
      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      <button type="button" class="primary" onClick={() => void signIn('/console/')}>
        Sign in
      </button>
    </main>
  );
}

function Callback() {
  const { route } = useLocation();
  const [problem, setProblem] = useState<string>();
  useEffect(() => {
    completeSignIn().then(
      (to) => route(to, true),
      (error: Error) => setProblem(error.message),
    );
  }, [route]);
  return problem ? <SignInPage problem={`Sign-in failed: ${problem}`} /> : <Loading what="your session" />;
}

const NotFound = () => (
  <main id="main">
    <PageTitle>Not found</PageTitle>
    <p>
      There is nothing at this address. <a href="/console/">Go to the console’s start</a>.
    </p>
  </main>
);

function Nav() {
  const { path, url } = useLocation();
  const site = siteId.value;
  const link = (href: string, label: string) => (
    <li>
      <a href={`${href}?site=${encodeURIComponent(site)}`} aria-current={path.replace(/\/$/, '') === href.replace(/\/$/, '') ? 'page' : undefined}>
        {label}
      </a>
    </li>
  );
  const sites = me.value?.sites ?? [];
  return (
    <header class="bar">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <span class="brand">Funnel</span>
      <nav aria-label="Console">
        <ul>
          {may('admin', 'marketer', 'viewer') && link('/console/', 'Overview')}
          {may('admin', 'marketer', 'viewer') && link('/console/forms', 'Forms')}
          {may('admin', 'marketer', 'viewer') && link('/console/emails', 'Emails')}
          {may('admin', 'marketer', 'viewer') && link('/console/deliverability', 'Deliverability')}
          {link('/console/leads', 'Leads')}
          {may('admin', 'sales') && (
            <li>
              <a href={`/console/leads?site=${encodeURIComponent(site)}&stage=sql&owner=unclaimed`}>Prospects</a>
            </li>
          )}
          {may('admin', 'marketer', 'sales') && link('/console/handoff', 'Hand-off')}
          {may('admin') && link('/console/audit', 'Audit log')}
          {may('admin') && link('/console/keys', 'API keys')}
          {may('admin') && link('/console/people', 'People')}
        </ul>
      </nav>
      {sites.length > 1 && (
        <label class="site">
          Site{' '}
          <select
            value={site}
            onChange={(e) => {
              const next = new URL(url, location.origin);
              next.searchParams.set('site', (e.target as HTMLSelectElement).value);
              location.assign(next.pathname + next.search);
            }}
          >
            {sites.map((s) => (
              <option value={s.id} key={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <span class="who">
        {me.value?.email ?? me.value?.sub} <span class="roles">({me.value?.roles.join(', ') || 'no role'})</span>
      </span>
      <button type="button" onClick={() => void signOut()}>
        Sign out
      </button>
    </header>
  );
}

function Console() {
  const { query } = useLocation();
  const [error, setError] = useState<Error>();
  useEffect(() => {
    api<Me>('/v1/console/me').then((who) => {
      me.value = who;
    }, setError);
  }, []);
  const who = me.value;
  if (error) return <ErrorNote error={error} retry={() => location.reload()} />;
  if (!who) return <Loading what="your account" />;
  siteId.value = query.site && who.sites.some((s) => s.id === query.site) ? query.site : (who.sites[0]?.id ?? '');
  if (who.roles.length === 0)
    return (
      <main id="main">
        <PageTitle>No role yet</PageTitle>
        <p>
          You are signed in as {who.email ?? who.sub}, but hold none of the console’s roles (admin, marketer, sales, viewer). Ask an admin to add you to one.
        </p>
      </main>
    );
  if (!who.sites.length)
    return (
      <main id="main">
        <PageTitle>No site</PageTitle>
        <p>There is no site you may see. Ask an admin.</p>
      </main>
    );
  return (
    <>
      <Nav />
      <ErrorBoundary>
        <Router>
          <Route path="/console/" component={may('admin', 'marketer', 'viewer') ? Overview : Leads} />
          <Route path="/console/forms" component={Forms} />
          <Route path="/console/forms/:formId" component={Forms} />
          <Route path="/console/leads" component={Leads} />
          <Route path="/console/emails" component={Emails} />
          <Route path="/console/deliverability" component={Deliverability} />
          <Route path="/console/handoff" component={Handoff} />
          <Route path="/console/handoff/:endpointId" component={Handoff} />
          <Route path="/console/leads/:leadId" component={Lead} />
          <Route path="/console/audit" component={Audit} />
          <Route path="/console/keys" component={Keys} />
          <Route path="/console/people" component={People} />
          <Route default component={NotFound} />
        </Router>
      </ErrorBoundary>
    </>
  );
}

function App() {
  const { path } = useLocation();
  if (path === CALLBACK_PATH) return <Callback />;
  return currentSession() ? <Console /> : <SignInPage />;
}

render(
  <LocationProvider scope="/console">
    <App />
  </LocationProvider>,
  document.getElementById('app')!,
);

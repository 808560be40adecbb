import { useState } from 'preact/hooks';
import { api, problemOf } from '../api.js';
import { useData } from '../data.js';
import { when } from '../format.js';
import { me } from '../state.js';
import { Dialog, Empty, ErrorNote, Loading, PageTitle, Scroll } from '../ui.js';

interface Key {
  id: string;
  name: string;
  siteIds: string[];
  createdAt: string;
  createdBy?: string;
  revokedAt?: string;
}

export default function KeysPage() {
  const { data, error, loading, reload } = useData(() => api<{ keys: Key[] }>('/v1/console/api-keys'), []);
  const [secret, setSecret] = useState<{ name: string; key: string }>();
  const [problem, setProblem] = useState<string>();
  const [revoking, setRevoking] = useState<Key>();
  const sites = me.value?.sites ?? [];
  return (
    <main id="main">
      <PageTitle>API keys</PageTitle>
      <p>Keys let machines (a CRM, a script) read leads and prospects through the API. People sign in instead.</p>
      <form
        class="filters"
        aria-label="New API key"
        onSubmit={async (e) => {
          e.preventDefault();
          const form = e.currentTarget;
          const name = (form.elements.namedItem('name') as HTMLInputElement).value;
          const siteIds = [...form.querySelectorAll<HTMLInputElement>('input[name=site]:checked')].map((i) => i.value);
          setProblem(undefined);
          try {
            const made = await api<{ name: string; key: string }>('/v1/console/api-keys', { method: 'POST', body: { name, siteIds } });
            setSecret(made);
            form.reset();
            reload();
          } catch (error) {
            setProblem(problemOf(error));
          }
        }}
      >
        <label class="wide">
          What it is for <input name="name" required maxLength={100} placeholder="Sales CRM" />
        </label>
        <fieldset>
          <legend>Sites it may read</legend>
          {sites.map((s) => (
            <label key={s.id} class="check">
              <input type="checkbox" name="site" value={s.id} /> {s.name}
            </label>
          ))}
        </fieldset>
        <div class="actions">
          <button type="submit" class="primary">
            Create key
          </button>
        </div>
        {problem && (
          <p role="alert" class="error">
            {problem}
          </p>
        )}
      </form>
      <Dialog open={Boolean(secret)} title={`Key “${secret?.name ?? ''}” created`} onClose={() => setSecret(undefined)}>
        <p>Copy it now into your secret manager: it is shown this once.</p>
        <p>
          <code class="secret">{secret?.key}</code>
        </p>
        <div class="actions">
          <button type="button" onClick={() => void navigator.clipboard?.writeText(secret?.key ?? '')}>
            Copy
          </button>
          <button type="button" class="primary" onClick={() => setSecret(undefined)}>
            Done
          </button>
        </div>
      </Dialog>
      <Dialog open={Boolean(revoking)} title={`Revoke “${revoking?.name ?? ''}”?`} onClose={() => setRevoking(undefined)}>
        <p>What uses it stops working within a minute.</p>
        <div class="actions">
          <button
            type="button"
            class="danger"
            onClick={async () => {
              await api(`/v1/console/api-keys/${revoking!.id}`, { method: 'DELETE' }).catch((e: Error) => setProblem(e.message));
              setRevoking(undefined);
              reload();
            }}
          >
            Revoke
          </button>
          <button type="button" onClick={() => setRevoking(undefined)}>
            Cancel
          </button>
        </div>
      </Dialog>
      {error && <ErrorNote error={error} retry={reload} />}
      {loading && !data && <Loading what="the keys" />}
      {data && !data.keys.length && (
        <Empty title="No key yet">
          <p>Create one above (keys made with `npm run api-key` before this console existed are not listed; revoke those with the same command).</p>
        </Empty>
      )}
      {data && data.keys.length > 0 && (
        <Scroll label="API keys table">
          <table>
            <caption>Newest first; times in your time zone</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Sites</th>
                <th scope="col">Created</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {data.keys.map((k) => (
                <tr key={k.id}>
                  <th scope="row">
                    {k.name} <span class="muted block">{k.id}</span>
                  </th>
                  <td>{k.siteIds.join(', ')}</td>
                  <td>
                    {when(k.createdAt)}
                    {k.createdBy && <span class="muted block">by {k.createdBy}</span>}
                  </td>
                  <td>
                    {k.revokedAt ? (
                      `revoked ${when(k.revokedAt)}`
                    ) : (
                      <button type="button" class="danger" onClick={() => setRevoking(k)}>
                        Revoke <span class="sr">{k.name}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
    </main>
  );
}

import { useState } from 'preact/hooks';
import { api, problemOf } from '../api.js';
import { useData } from '../data.js';
import { me } from '../state.js';
import { Dialog, Empty, ErrorNote, Loading, PageTitle, Scroll } from '../ui.js';

const ROLES = ['admin', 'marketer', 'sales', 'viewer'] as const;
const ROLE_HELP: Record<(typeof ROLES)[number], string> = {
  admin: 'everything: people, API keys, erasure',
  marketer: 'the funnel, leads, exports',
  sales: 'prospects and leads, claims',
  viewer: 'reads only',
};

interface Someone {
  id: string;
  email: string;
  roles: string[];
  status: 'invited' | 'active' | 'disabled';
}

/** Checkboxes of the four roles, named `role`. */
function RoleBoxes({ legend, held = [] }: { legend: string; held?: string[] }) {
  return (
    <fieldset>
      <legend>{legend}</legend>
      {ROLES.map((r) => (
        <label key={r} class="check">
          <input type="checkbox" name="role" value={r} defaultChecked={held.includes(r)} /> {r} <span class="muted">({ROLE_HELP[r]})</span>
        </label>
      ))}
    </fieldset>
  );
}
const checkedRoles = (form: HTMLFormElement) => [...form.querySelectorAll<HTMLInputElement>('input[name=role]:checked')].map((i) => i.value);

/** Admins: who may sign in, in which roles; add, change, remove. */
export default function PeoplePage() {
  const { data, error, loading, reload } = useData(() => api<{ managed: boolean; people: Someone[] }>('/v1/console/people'), []);
  const [problem, setProblem] = useState<string>();
  const [done, setDone] = useState<string>();
  const [editing, setEditing] = useState<Someone>();
  const [removing, setRemoving] = useState<Someone>();
  const act = async (work: () => Promise<unknown>, said: string) => {
    setProblem(undefined);
    try {
      await work();
      setDone(said);
      reload();
      return true;
    } catch (e) {
      setProblem(problemOf(e));
      return false;
    }
  };
  return (
    <main id="main">
      <PageTitle>People</PageTitle>
      {error && <ErrorNote error={error} retry={reload} />}
      {loading && !data && <Loading what="people" />}
      {data && !data.managed && (
        <Empty title="People sign in with your own provider">
          <p>
            This console trusts your OpenID provider: add people there, and give them a role in the claim the console reads (admin, marketer, sales or viewer).
            See docs/console.md.
          </p>
        </Empty>
      )}
      {data?.managed && (
        <>
          <p>People sign in with their email address. A person added here is emailed a temporary password, good for three days.</p>
          <form
            class="filters"
            aria-label="Add a person"
            onSubmit={async (e) => {
              e.preventDefault();
              const form = e.currentTarget;
              const email = (form.elements.namedItem('email') as HTMLInputElement).value;
              if (await act(() => api('/v1/console/people', { method: 'POST', body: { email, roles: checkedRoles(form) } }), `Added ${email}.`)) form.reset();
            }}
          >
            <label class="wide">
              Email address <input name="email" type="email" required maxLength={254} autoComplete="off" />
            </label>
            <RoleBoxes legend="Roles" />
            <div class="actions">
              <button type="submit" class="primary">
                Add person
              </button>
            </div>
          </form>
          <p role="status" class="status">
            {done}
          </p>
          {problem && (
            <p role="alert" class="error">
              {problem}
            </p>
          )}
          <Scroll label="People table">
            <table>
              <caption>{data.people.length} people; roles hold from each person’s next sign-in</caption>
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Roles</th>
                  <th scope="col">State</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {data.people.map((p) => (
                  <tr key={p.id}>
                    <th scope="row">{p.email}</th>
                    <td>{p.roles.join(', ') || '– (no role: may do nothing)'}</td>
                    <td>{p.status === 'invited' ? 'invited, not signed in yet' : p.status}</td>
                    <td>
                      <button type="button" onClick={() => setEditing(p)} aria-label={`Change the roles of ${p.email}`}>
                        Roles
                      </button>{' '}
                      {p.id !== me.value?.sub && (
                        <button type="button" class="danger" onClick={() => setRemoving(p)} aria-label={`Remove ${p.email}`}>
                          Remove
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Scroll>
        </>
      )}
      <Dialog open={Boolean(editing)} title={`Roles of ${editing?.email ?? ''}`} onClose={() => setEditing(undefined)}>
        {editing && (
          <form
            key={editing.id}
            onSubmit={async (e) => {
              e.preventDefault();
              const roles = checkedRoles(e.currentTarget);
              if (await act(() => api(`/v1/console/people/${editing.id}/roles`, { method: 'POST', body: { roles } }), `Changed the roles of ${editing.email}.`))
                setEditing(undefined);
            }}
          >
            <RoleBoxes legend="Roles" held={editing.roles} />
            {problem && (
              <p role="alert" class="error">
                {problem}
              </p>
            )}
            <div class="actions">
              <button type="submit" class="primary">
                Save
              </button>
              <button type="button" onClick={() => setEditing(undefined)}>
                Cancel
              </button>
            </div>
          </form>
        )}
      </Dialog>
      <Dialog open={Boolean(removing)} title={`Remove ${removing?.email ?? ''}?`} onClose={() => setRemoving(undefined)}>
        <p>They cannot sign in again. A session already open lasts until its token expires (an hour at most).</p>
        <div class="actions">
          <button
            type="button"
            class="danger"
            onClick={async () => {
              await act(() => api(`/v1/console/people/${removing!.id}`, { method: 'DELETE' }), `Removed ${removing!.email}.`);
              setRemoving(undefined);
            }}
          >
            Remove
          </button>
          <button type="button" onClick={() => setRemoving(undefined)}>
            Cancel
          </button>
        </div>
      </Dialog>
    </main>
  );
}

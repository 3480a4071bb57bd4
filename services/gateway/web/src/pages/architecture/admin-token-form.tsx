import { useState, type FormEvent } from 'react';
import { InputField } from '../../components/field';

/**
 * Asks once for the admin credential the chaos controls need, and keeps it for this tab only
 * (sessionStorage). `npm start` prints where to find it: `cat .microshop/admin-token`.
 */
export function AdminTokenForm({ token, refused, onChange }: { token: string; refused: boolean; onChange: (token: string) => void }) {
  const [draft, setDraft] = useState('');
  if (token && !refused) {
    return (
      <p className="admin-token-set">
        Admin token set for this tab.{' '}
        <button type="button" className="button ghost small" onClick={() => onChange('')}>
          Forget it
        </button>
      </p>
    );
  }
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onChange(draft.trim());
    setDraft('');
  };
  return (
    <form className="admin-token-form" onSubmit={submit}>
      <InputField
        label="Admin token"
        type="password"
        autoComplete="off"
        value={draft}
        onChange={(event) => setDraft(event.target.value)}
        error={refused ? 'The gateway refused this admin token.' : undefined}
        hint={
          <>
            The controls below need it. <code>npm start</code> prints where it is: <code>cat .microshop/admin-token</code>. Kept in this tab only.
          </>
        }
      />
      <button type="submit" className="button primary" disabled={draft.trim() === ''}>
        Use token
      </button>
    </form>
  );
}

import { useState, type FormEvent } from 'react';
import { recordActivity } from '../../api/activity';
import { fieldErrors, type ApiResult } from '../../api/http';
import { createUser } from '../../api/shop';
import type { User } from '../../api/types';
import { Card } from '../../components/card';
import { InputField } from '../../components/field';
import { ResultNote } from '../../components/result-note';

export interface UserPanelProps {
  users: readonly User[];
  total: number | undefined;
  onCreated: () => void;
}

/** Users: a form to create one (the User service checks the e-mail is new) and the newest ones. */
export function UserPanel({ users, total, onCreated }: UserPanelProps) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ApiResult<User>>();
  const errors = fieldErrors(result?.problem);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const answer = recordActivity(`Create user ${name}`, await createUser({ name, email }));
    setResult(answer);
    setBusy(false);
    if (answer.ok) {
      setName('');
      setEmail('');
      onCreated();
    }
  };

  return (
    <Card id="users" title="Users" subtitle={<>User service · users.db{total !== undefined ? ` · ${total} in all` : ''}</>}>
      <form className="form-row" onSubmit={(e) => void submit(e)} noValidate aria-label="New user">
        <InputField id="user-name" label="Name" value={name} onChange={(e) => setName(e.target.value)} error={errors.name} autoComplete="off" placeholder="Ann" />
        <InputField
          id="user-email"
          label="Email"
          type="email"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={errors.email}
          autoComplete="off"
          placeholder="ann@example.com"
        />
        <button type="submit" className="button primary" disabled={busy}>
          Create user
        </button>
      </form>
      {result ? <ResultNote result={result} success={result.data ? `Created user #${result.data.id}, ${result.data.name}` : 'Created'} /> : null}
      <div className="table-wrap">
        <table className="table" aria-label="Users">
          <thead>
            <tr>
              <th scope="col" className="num">#</th>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
            </tr>
          </thead>
          <tbody>
            {users.map((user) => (
              <tr key={user.id}>
                <td className="num">{user.id}</td>
                <td>{user.name}</td>
                <td className="muted">{user.email}</td>
              </tr>
            ))}
            {users.length === 0 ? (
              <tr>
                <td colSpan={3} className="empty">
                  No users yet.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
    </Card>
  );
}

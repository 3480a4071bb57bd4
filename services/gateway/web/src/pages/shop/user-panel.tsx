import { useState, type FormEvent } from 'react';
import { createUser } from '../../api/shop';
import type { User } from '../../api/types';
import { Card } from '../../components/card';
import { DataTable, type Column } from '../../components/data-table';
import { InputField } from '../../components/field';
import { ResultNote } from '../../components/result-note';
import { useApiAction } from '../../hooks/use-api-action';

export interface UserPanelProps {
  users: readonly User[];
  total: number | undefined;
  onCreated: () => void;
}

const COLUMNS: readonly Column<User>[] = [
  { header: '#', numeric: true, cell: (user) => user.id },
  { header: 'Name', cell: (user) => user.name },
  { header: 'Email', cellClassName: 'muted', cell: (user) => user.email },
];

/** Users: a form to create one (the User service checks the e-mail is new) and the newest ones. */
export function UserPanel({ users, total, onCreated }: UserPanelProps) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const create = useApiAction<User>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const answer = await create.run(`Create user ${name}`, () => createUser({ name, email }));
    if (answer.ok) {
      setName('');
      setEmail('');
      onCreated();
    }
  };

  return (
    <Card id="users" title="Users" subtitle={<>User service · users.db{total !== undefined ? ` · ${total} in all` : ''}</>}>
      <form className="form-row" onSubmit={(e) => void submit(e)} noValidate aria-label="New user">
        <InputField id="user-name" label="Name" value={name} onChange={(e) => setName(e.target.value)} error={create.errors.name} autoComplete="off" placeholder="Ann" />
        <InputField
          id="user-email"
          label="Email"
          type="email"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={create.errors.email}
          autoComplete="off"
          placeholder="ann@example.com"
        />
        <button type="submit" className="button primary" disabled={create.busy}>
          Create user
        </button>
      </form>
      {create.result ? <ResultNote result={create.result} success={create.result.data ? `Created user #${create.result.data.id}, ${create.result.data.name}` : 'Created'} /> : null}
      <DataTable label="Users" columns={COLUMNS} rows={users} rowKey={(user) => user.id} empty="No users yet." />
    </Card>
  );
}

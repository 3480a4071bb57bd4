import type { Generated, Insertable, Selectable } from 'kysely';

/** The `users` table. */
export interface UsersTable {
  id: Generated<number>;
  name: string;
  email: string;
  created_at: string;
}

/** Every table the User service owns. No other service reads them. */
export interface UserTables {
  users: UsersTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;

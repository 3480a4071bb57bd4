import { isUniqueViolation, type Page, type PageResult } from '@microshop/chassis';
import type { Kysely } from 'kysely';
import type { NewUserRow, UserRow, UserTables } from './tables.js';

/** Thrown by {@link UserRepository.insert} when the email is taken. */
export class DuplicateEmailError extends Error {}

/** Every query the User service runs, over its own tables. */
export interface UserRepository {
  insert(user: NewUserRow): Promise<UserRow>;
  findById(id: number): Promise<UserRow | undefined>;
  findByIds(ids: readonly number[]): Promise<UserRow[]>;
  list(page: Page): Promise<PageResult<UserRow>>;
}

export function createUserRepository(db: Kysely<UserTables>): UserRepository {
  return {
    async insert(user) {
      try {
        return await db.insertInto('users').values(user).returningAll().executeTakeFirstOrThrow();
      } catch (error) {
        if (isUniqueViolation(error)) throw new DuplicateEmailError(user.email, { cause: error });
        throw error;
      }
    },
    findById: (id) => db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst(),
    findByIds: (ids) => db.selectFrom('users').selectAll().where('id', 'in', ids).orderBy('id', 'desc').execute(),
    async list({ limit, offset }) {
      const [items, count] = await Promise.all([
        db.selectFrom('users').selectAll().orderBy('id', 'desc').limit(limit).offset(offset).execute(),
        db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow(),
      ]);
      return { items, total: Number(count.count) };
    },
  };
}

import { AppError } from '@microshop/chassis';
import type { User } from '@microshop/contracts';
import type { UserDeps } from './deps.js';

/** One user by id, or 404. */
export async function getUser({ users }: UserDeps, id: number): Promise<User> {
  const user = await users.findById(id);
  if (!user) throw AppError.notFound('user', id);
  return user;
}

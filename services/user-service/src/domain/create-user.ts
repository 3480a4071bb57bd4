import { AppError } from '@microshop/chassis';
import type { CreateUser, User } from '@microshop/contracts';
import { DuplicateEmailError } from '../data/user-repository.js';
import type { UserDeps } from './deps.js';

/** Registers a user. Emails are unique, compared without regard to case. */
export async function createUser({ users, now }: UserDeps, input: CreateUser): Promise<User> {
  const email = input.email.trim().toLowerCase();
  try {
    return await users.insert({ name: input.name.trim(), email, created_at: now().toISOString() });
  } catch (error) {
    if (error instanceof DuplicateEmailError) throw AppError.conflict(`A user with email ${email} already exists`, 'email');
    throw error;
  }
}

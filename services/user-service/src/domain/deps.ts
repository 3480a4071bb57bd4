import type { UserRepository } from '../data/user-repository.js';

/** What the User service's use cases need: passed in, never imported. */
export interface UserDeps {
  users: UserRepository;
  now: () => Date;
}

import type { Page, PageResult } from '@microshop/chassis';
import type { User } from '@microshop/contracts';
import type { UserDeps } from './deps.js';

/**
 * Users newest first, one page at a time; or, given ids, exactly those that exist (one query,
 * for services that embed users in their own lists).
 */
export async function listUsers({ users }: UserDeps, page: Page, ids?: readonly number[]): Promise<PageResult<User>> {
  if (ids) {
    const found = await users.findByIds([...new Set(ids)]);
    return { items: found, total: found.length };
  }
  return users.list(page);
}

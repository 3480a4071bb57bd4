import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, TOTAL_COUNT_HEADER, type PageQuery } from '@microshop/contracts';
import type { FastifyReply } from 'fastify';

/** A page request with defaults applied and the size capped. */
export interface Page {
  limit: number;
  offset: number;
}

/** `?limit=&offset=` → a page: default 100 rows, never more than 1000. */
export function pageOf(query: PageQuery): Page {
  return { limit: Math.min(query.limit ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE), offset: query.offset ?? 0 };
}

/** One page of rows and the count of all rows. */
export interface PageResult<T> {
  items: T[];
  total: number;
}

/** Sends a page as a bare JSON array with the total in `X-Total-Count`. */
export function sendPage<T>(reply: FastifyReply, result: PageResult<T>): FastifyReply {
  return reply.header(TOTAL_COUNT_HEADER, String(result.total)).send(result.items);
}

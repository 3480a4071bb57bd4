import { useState } from 'react';
import { recordActivity } from '../api/activity';
import { fieldErrors, type ApiResult } from '../api/http';

/** The state of one user action that calls the API: busy while it runs, then its result. */
export interface ApiAction<T> {
  busy: boolean;
  result: ApiResult<T> | undefined;
  /** The problem's messages by field, for the form's fields. */
  errors: Record<string, string>;
  /** Runs the call, records it in the activity list under `label`, and returns its result. */
  run(label: string, call: () => Promise<ApiResult<T>>): Promise<ApiResult<T>>;
}

/**
 * One API action of a form or a button, with the bookkeeping every one of them needs.
 *
 * @example
 * const create = useApiAction<User>()
 * const answer = await create.run(`Create user ${name}`, () => createUser({ name, email }))
 */
export function useApiAction<T>(): ApiAction<T> {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ApiResult<T>>();
  return {
    busy,
    result,
    errors: fieldErrors(result?.problem),
    async run(label, call) {
      setBusy(true);
      const answer = recordActivity(label, await call());
      setResult(answer);
      setBusy(false);
      return answer;
    },
  };
}

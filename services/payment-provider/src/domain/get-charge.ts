import { AppError } from '@microshop/chassis';
import type { Charge } from '@microshop/contracts';
import { toCharge } from './charge-view.js';
import type { ProviderDeps } from './deps.js';

/** The charge of a reference, or 404: how a caller that timed out learns what happened. */
export async function getCharge({ charges }: Pick<ProviderDeps, 'charges'>, reference: string): Promise<Charge> {
  const row = await charges.findByReference(reference);
  if (!row) throw new AppError({ status: 404, code: 'not-found', title: 'Not found', detail: `No charge with reference ${reference}`, field: 'reference' });
  return toCharge(row);
}

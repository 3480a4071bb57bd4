import { PageHeader } from '../components/page-header';
import { Link } from '../router';

/** A path the UI has no page for. */
export function NotFoundPage({ path }: { path: string }) {
  return (
    <>
      <PageHeader title="Not found" lead={<>There is no page at <code>{path}</code>.</>} />
      <p>
        <Link to="/shop">Go to the shop</Link>
      </p>
    </>
  );
}

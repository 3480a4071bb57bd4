import { useEffect, type ReactNode } from 'react';
import { ConsistencyBadge } from './components/consistency-badge';
import { ArchitecturePage } from './pages/architecture/architecture-page';
import { ChartsPage } from './pages/charts/charts-page';
import { ComparePage } from './pages/compare/compare-page';
import { EventsPage } from './pages/events/events-page';
import { NotFoundPage } from './pages/not-found-page';
import { OrderPage } from './pages/orders/order-page';
import { ShopPage } from './pages/shop/shop-page';
import { TracePage } from './pages/traces/trace-page';
import { TracesPage } from './pages/traces/traces-page';
import { TrafficPage } from './pages/traffic/traffic-page';
import { Link, navigate, useLocation } from './router';

/** The pages in the navigation, in order. */
const NAV = [
  { to: '/shop', label: 'Shop' },
  { to: '/architecture', label: 'Architecture' },
  { to: '/traces', label: 'Traces' },
  { to: '/charts', label: 'Metrics' },
  { to: '/traffic', label: 'Traffic' },
  { to: '/events', label: 'Events' },
  { to: '/compare', label: 'Compare' },
] as const;

function page(path: string): { element: ReactNode; title: string } {
  if (path === '/' || path === '/shop') return { element: <ShopPage />, title: 'Shop' };
  const order = /^\/orders\/([1-9][0-9]{0,15})$/.exec(path);
  if (order?.[1]) return { element: <OrderPage key={order[1]} orderId={Number(order[1])} />, title: `Order #${order[1]}` };
  if (path === '/architecture') return { element: <ArchitecturePage />, title: 'Architecture' };
  if (path === '/traces') return { element: <TracesPage />, title: 'Traces' };
  const trace = /^\/traces\/([0-9a-fA-F]{1,64})$/.exec(path);
  if (trace?.[1]) return { element: <TracePage key={trace[1]} traceId={trace[1].toLowerCase()} />, title: `Trace ${trace[1].slice(0, 8)}` };
  if (path === '/charts') return { element: <ChartsPage />, title: 'Metrics' };
  if (path === '/traffic') return { element: <TrafficPage />, title: 'Traffic' };
  if (path === '/events') return { element: <EventsPage />, title: 'Events' };
  if (path === '/compare') return { element: <ComparePage />, title: 'Compare' };
  return { element: <NotFoundPage path={path} />, title: 'Not found' };
}

/** The app shell: the header with the navigation, and the page the path names. */
export function App() {
  const { path } = useLocation();
  const { element, title } = page(path);

  useEffect(() => {
    if (path === '/') navigate('/shop', { replace: true });
  }, [path]);
  useEffect(() => {
    document.title = `${title} · Microshop`;
  }, [title]);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <Link to="/shop" className="brand" aria-label="Microshop home">
            <span className="brand-mark" aria-hidden="true">
              <span />
              <span />
              <span />
              <span />
            </span>
            Microshop
          </Link>
          <nav className="nav" aria-label="Main">
            {NAV.map(({ to, label }) => {
              const current = path === to || (to === '/shop' && (path === '/' || path.startsWith('/orders/'))) || (to === '/traces' && path.startsWith('/traces/'));
              return (
                <Link key={to} to={to} className="nav-link" aria-current={current ? 'page' : undefined}>
                  {label}
                </Link>
              );
            })}
          </nav>
          <div className="nav-external">
            <ConsistencyBadge />
            <a href="/api" className="nav-link subtle">
              API
            </a>
            <a href="/docs" className="nav-link subtle">
              Docs
            </a>
          </div>
        </div>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        {element}
      </main>
    </div>
  );
}

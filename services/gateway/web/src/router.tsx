import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent, type ReactNode } from 'react';

const NAVIGATE_EVENT = 'microshop:navigate';

/** What a navigation may carry for the page it opens (kept in the history entry). */
export interface NavigationState {
  /** The trace was made a moment ago: its spans may still be on their way to the gateway. */
  freshTrace?: boolean;
}

/** The state the current history entry was opened with. */
export function navigationState(): NavigationState {
  const state: unknown = window.history.state;
  return typeof state === 'object' && state !== null ? (state as NavigationState) : {};
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATE_EVENT, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATE_EVENT, onChange);
  };
}

const snapshot = () => window.location.pathname + window.location.search;

/** The current path and query (`/traces?service=order-service`), re-rendering on every navigation. */
export function useLocation(): { path: string; query: URLSearchParams } {
  const location = useSyncExternalStore(subscribe, snapshot);
  const url = new URL(location, window.location.origin);
  return { path: url.pathname, query: url.searchParams };
}

/**
 * Goes to another page of the UI without reloading: pushes (or replaces) the history entry and
 * tells every {@link useLocation} reader.
 *
 * @example
 * navigate('/traces/4bf92f3577b34da6a3ce929d0e0e4736')
 */
export function navigate(to: string, { replace = false, state = null }: { replace?: boolean; state?: NavigationState | null } = {}): void {
  if (to === snapshot()) return;
  if (replace) window.history.replaceState(state, '', to);
  else window.history.pushState(state, '', to);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
  if (!replace) window.scrollTo(0, 0);
}

export interface LinkProps extends Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> {
  to: string;
  /** Carried to the page opened (not when opened in a new tab). */
  state?: NavigationState;
  children: ReactNode;
}

const isPlainClick = (event: MouseEvent) => event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;

/** An ordinary link (so it opens in a new tab, and works from the keyboard) that navigates in place on a plain click. */
export function Link({ to, state, children, onClick, ...rest }: LinkProps) {
  return (
    <a
      href={to}
      onClick={(event) => {
        onClick?.(event);
        if (event.defaultPrevented || !isPlainClick(event)) return;
        event.preventDefault();
        navigate(to, state ? { state } : {});
      }}
      {...rest}
    >
      {children}
    </a>
  );
}

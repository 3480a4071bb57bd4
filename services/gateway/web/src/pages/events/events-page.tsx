import { useState } from 'react';
import { readAdminToken, saveAdminToken } from '../../api/admin';
import { getEvents } from '../../api/events';
import { Card } from '../../components/card';
import { PageHeader } from '../../components/page-header';
import { usePoll } from '../../hooks/use-poll';
import { AdminTokenForm } from '../architecture/admin-token-form';
import { OutboxCard } from './outbox-card';

/** How often the outboxes are asked: often enough to see an event go from pending to published. */
const EVENTS_POLL_MS = 2000;

/**
 * The events page: each service's transactional outbox and inbox (Product, Order, Payment) through
 * the gateway's admin API, so a stuck relay, a growing lag, a dead letter or a dropped duplicate
 * shows without the service credential. Polls only once the admin token is given (the same one,
 * kept the same way, as the architecture view).
 */
export function EventsPage() {
  const [token, setToken] = useState(readAdminToken);
  const events = usePoll((signal) => (token ? getEvents(token, signal) : Promise.resolve(undefined)), EVENTS_POLL_MS, token);
  const answer = events.value;
  const refused = answer !== undefined && (answer.status === 401 || answer.status === 403);
  const changeToken = (next: string) => {
    saveAdminToken(next);
    setToken(next);
  };
  return (
    <>
      <PageHeader title="Events" lead="What the Product, Order and Payment services recorded in their outboxes, what the relay published, the dead letters to send again, and what each service's inbox applied (each event once, duplicates dropped)." />
      <Card id="events-token" title="Admin access">
        <AdminTokenForm token={token} refused={refused} onChange={changeToken} />
      </Card>
      {token && !refused ? (
        <>
          {answer && !answer.ok ? (
            <p className="banner" role="status">
              The admin API did not answer ({answer.problem?.detail ?? `status ${answer.status}`}).
            </p>
          ) : null}
          <div className="events-services">{answer?.ok && answer.data ? answer.data.services.map((entry) => <OutboxCard key={entry.service} entry={entry} token={token} />) : null}</div>
        </>
      ) : null}
    </>
  );
}

import { Card } from '../../components/card';
import { ServiceTag } from '../../components/service-tag';
import { formatMs, formatRate, formatShare } from '../../format';
import type { EdgeView } from './model';

/** Every call path with its live figures: the arrows of the diagram as a table (the only view of them on a phone). */
export function EdgeTable({ edges }: { edges: EdgeView[] }) {
  return (
    <Card id="edges" title="Calls between services" subtitle="Counted by the caller over the last minute">
      <div className="table-wrap">
        <table className="table" aria-label="Calls between services">
          <thead>
            <tr>
              <th scope="col">From</th>
              <th scope="col">To</th>
              <th scope="col" className="num">calls/s</th>
              <th scope="col" className="num">errors</th>
              <th scope="col" className="num hide-narrow">p99</th>
              <th scope="col">breaker</th>
              <th scope="col" className="num">
                <abbr title="Calls in flight the caller allows now: its bulkhead, cut when answers come late, grown back while they come in time">limit</abbr>
              </th>
            </tr>
          </thead>
          <tbody>
            {edges.map((edge) => (
              <tr key={`${edge.from}>${edge.to}`} data-edge={`${edge.from}>${edge.to}`}>
                <td>
                  <ServiceTag name={edge.from} short />
                </td>
                <td>
                  <ServiceTag name={edge.to} short />
                </td>
                <td className="num">{formatRate(edge.callsPerS)}</td>
                <td className="num">{formatShare(edge.errorRate)}</td>
                <td className="num hide-narrow">{formatMs(edge.p99Ms)}</td>
                <td className={edge.breaker ? `breaker-cell breaker-${edge.breaker}` : undefined} data-breaker={edge.breaker ?? 'none'}>
                  {edge.breaker ?? '–'}
                </td>
                <td className="num" data-limit={edge.limit ?? 'none'}>
                  {edge.limit ?? '–'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}

import { serviceInfo } from '../services';

/** A service's name in its colour. */
export function ServiceTag({ name, short = false }: { name: string; short?: boolean }) {
  const info = serviceInfo(name);
  return (
    <span className={`service-tag ${info.tone}`} title={name}>
      <span className="service-swatch" aria-hidden="true" />
      {short ? info.label : name}
    </span>
  );
}

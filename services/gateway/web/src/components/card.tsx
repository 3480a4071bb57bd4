import type { ReactNode } from 'react';

export interface CardProps {
  title: ReactNode;
  /** Shown under the title in a muted tone. */
  subtitle?: ReactNode;
  /** Controls on the right of the title. */
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
  /** For tests and links: the section's id. */
  id?: string;
}

/** A titled panel: the building block of every page. */
export function Card({ title, subtitle, actions, children, className, id }: CardProps) {
  const headingId = id ? `${id}-title` : undefined;
  return (
    <section className={`card ${className ?? ''}`} id={id} aria-labelledby={headingId}>
      <header className="card-head">
        <div>
          <h2 className="card-title" id={headingId}>
            {title}
          </h2>
          {subtitle ? <p className="card-subtitle">{subtitle}</p> : null}
        </div>
        {actions ? <div className="card-actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  );
}

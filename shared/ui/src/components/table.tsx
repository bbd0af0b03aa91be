import type { ReactNode } from 'react';

/**
 * A data table named `label`, inside a box that scrolls sideways on a narrow screen (390 px)
 * instead of squeezing the columns.
 */
export function Table(props: {
  label: string;
  caption?: ReactNode;
  compact?: boolean;
  children: ReactNode;
}) {
  return (
    <div className="table-wrap">
      <table className={props.compact ? 'table compact' : 'table'} aria-label={props.label}>
        {props.caption ? <caption>{props.caption}</caption> : null}
        {props.children}
      </table>
    </div>
  );
}

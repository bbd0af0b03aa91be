import type { ReactNode } from 'react';

/**
 * A data table named `label`, inside a box that scrolls sideways on a narrow screen (390 px)
 * instead of squeezing the columns. With `stack`, each row becomes a card at phone width
 * instead: every cell on its own line after its column's name (give each `<td>` a
 * `data-label`; a cell without one, e.g. the actions, stands alone).
 */
export function Table(props: {
  label: string;
  caption?: ReactNode;
  compact?: boolean;
  stack?: boolean;
  children: ReactNode;
}) {
  const cls = ['table', props.compact ? 'compact' : '', props.stack ? 'stack' : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div className={props.stack ? 'table-wrap stacks' : 'table-wrap'}>
      <table className={cls} aria-label={props.label}>
        {props.caption ? <caption>{props.caption}</caption> : null}
        {props.children}
      </table>
    </div>
  );
}

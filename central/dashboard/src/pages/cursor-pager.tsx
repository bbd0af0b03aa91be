/**
 * Newer / Older over a keyset-paged list: `cursors` is the stack of cursors that led to the
 * page shown (`undefined` for the first), `nextCursor` what the server gave for the next one.
 */
export function CursorPager(props: {
  cursors: (string | undefined)[];
  setCursors: (cursors: (string | undefined)[]) => void;
  nextCursor: string | null | undefined;
}) {
  const { cursors, setCursors, nextCursor } = props;
  return (
    <div className="pager">
      <button
        type="button"
        className="button small"
        disabled={cursors.length < 2}
        onClick={() => setCursors(cursors.slice(0, -1))}
      >
        Newer
      </button>
      <span className="muted">Page {cursors.length}</span>
      <button
        type="button"
        className="button small"
        disabled={!nextCursor}
        onClick={() => {
          if (nextCursor) setCursors([...cursors, nextCursor]);
        }}
      >
        Older
      </button>
    </div>
  );
}

import {
  Empty,
  ErrorBanner,
  Field,
  Loading,
  Page,
  Table,
  usePoll,
  whenZoned,
  type Polled,
} from '@zra/ui';
import { useState, type FormEvent } from 'react';
import { api, type Outputs, type Viewer } from '../api.ts';
import { Link } from '../router.tsx';
import { CursorPager } from './cursor-pager.tsx';

type AuditPage = Outputs['admin']['auditLog'];
type AuditEntry = AuditPage['entries'][number];

const PAGE = 20;

/**
 * The input of an action as "field: value" pairs, without the field the target already names
 * (`username` of `username bob`). Secrets arrive as "(hidden)": central never stored them.
 */
function detailsText(entry: AuditEntry): string {
  const named = entry.target?.split(' ')[0];
  return Object.entries(entry.details)
    .filter(([k]) => k !== named)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}

/** The filter the person typed, applied when they press Show (not at every keystroke). */
function FilterForm(props: {
  applied: { actor: string; action: string };
  apply: (f: { actor: string; action: string }) => void;
}) {
  const [draft, setDraft] = useState(props.applied);
  const active = props.applied.actor !== '' || props.applied.action !== '';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    props.apply({ actor: draft.actor.trim(), action: draft.action.trim() });
  };
  return (
    <form className="card form-row" role="search" aria-label="Filter" onSubmit={submit}>
      <Field label="Who (part of a name)">
        <input
          value={draft.actor}
          placeholder="e.g. cli:"
          onChange={(e) => setDraft({ ...draft, actor: e.target.value })}
          autoComplete="off"
        />
      </Field>
      <Field label="Action (part of it)">
        <input
          value={draft.action}
          placeholder="e.g. resetPassword"
          onChange={(e) => setDraft({ ...draft, action: e.target.value })}
          autoComplete="off"
        />
      </Field>
      <div className="form-actions">
        <button type="submit" className="button">
          Show
        </button>
        {active ? (
          <button
            type="button"
            className="button"
            onClick={() => {
              setDraft({ actor: '', action: '' });
              props.apply({ actor: '', action: '' });
            }}
          >
            Show all
          </button>
        ) : null}
      </div>
    </form>
  );
}

function Entries(props: { page: Polled<AuditPage>; filtered: boolean }) {
  const entries = props.page.data?.entries;
  if (!entries) return props.page.error ? null : <Loading />;
  if (entries.length === 0) {
    return (
      <Empty>
        <p>
          {props.filtered
            ? 'No admin action matches this filter.'
            : 'No admin action yet: every change an admin makes here or with the CLI appears here.'}
        </p>
      </Empty>
    );
  }
  return (
    <Table label="Audit log" stack>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Who</th>
          <th scope="col">Action</th>
          <th scope="col">On</th>
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((e) => (
          <tr key={e.id} data-entry={e.id}>
            <td data-label="When">{whenZoned(e.at, 'UTC')}</td>
            <td data-label="Who">{e.actor}</td>
            <td data-label="Action" className="mono">
              {e.action}
            </td>
            <td data-label="On">{e.target ?? '—'}</td>
            <td data-label="Details" className="wrap">
              {detailsText(e) || '—'}
            </td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

function AuditLog() {
  const [filter, setFilter] = useState({ actor: '', action: '' });
  // Cursors of the pages shown so far: the last one is the current page's.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors.at(-1);
  const page = usePoll(
    () =>
      api.admin.auditLog.query({
        limit: PAGE,
        ...(cursor ? { cursor } : {}),
        ...(filter.actor ? { actor: filter.actor } : {}),
        ...(filter.action ? { action: filter.action } : {}),
      }),
    `audit:${filter.actor}:${filter.action}:${cursor ?? ''}`,
  );
  return (
    <Page
      title="Audit log"
      crumbs={
        <>
          <Link to="/admin">Admin</Link> / Audit log
        </>
      }
      note="Every change an admin made, in the dashboard or with the CLI (as cli:<system user>), newest first. Passwords and tokens are never recorded. Times are UTC."
    >
      <FilterForm
        applied={filter}
        apply={(f) => {
          setFilter(f);
          setCursors([undefined]);
        }}
      />
      <ErrorBanner error={page.error} />
      <Entries page={page} filtered={filter.actor !== '' || filter.action !== ''} />
      <CursorPager cursors={cursors} setCursors={setCursors} nextCursor={page.data?.nextCursor} />
    </Page>
  );
}

/** Who changed what and when (admins only; central refuses the log to viewers too). */
export function AuditLogPage(props: { viewer: Viewer }) {
  if (props.viewer.role !== 'admin') {
    return (
      <Page title="Audit log">
        <Empty>
          <p>Only an admin can read the audit log. Ask an admin for access.</p>
        </Empty>
      </Page>
    );
  }
  return <AuditLog />;
}

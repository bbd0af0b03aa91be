import {
  ActionButton,
  Badge,
  Empty,
  ErrorBanner,
  Field,
  Form,
  Loading,
  Table,
  usePoll,
  whenZoned,
} from '@zra/ui';
import { useState } from 'react';
import { api } from '../api.ts';
import { LANGUAGE_WORDS, PERIOD_WORDS } from '../labels.ts';

/** A new schedule: a cron in the park's time zone and the period each report covers. */
function AddRule(props: {
  parks: { id: string; name: string; timezone: string }[];
  done: () => void;
}) {
  const [park, setPark] = useState('');
  const [cron, setCron] = useState('0 6 * * *');
  const [period, setPeriod] = useState<'day' | 'week' | 'month'>('day');
  const chosen = props.parks.find((p) => p.id === park) ?? props.parks[0];
  return (
    <Form
      label="Add a schedule"
      title="Add a schedule"
      submitLabel="Add schedule"
      busyLabel="Adding…"
      disabled={!chosen}
      onSubmit={async () => {
        const rule = await api.admin.addReportRule.mutate({
          park: chosen?.id ?? '',
          cron: cron.trim(),
          period,
        });
        props.done();
        return `Schedule added: ${PERIOD_WORDS[rule.period]} reports of ${rule.park} by the rule “${rule.cron}” in ${rule.timezone} time; the list shows when its next report is due.`;
      }}
    >
      <Field label="Park" name="park">
        <select value={chosen?.id ?? ''} onChange={(e) => setPark(e.target.value)}>
          {props.parks.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
      </Field>
      <Field
        label={`When (cron, ${chosen?.timezone ?? 'park'} time)`}
        name="cron"
        hint='"0 6 * * *" = every day at 06:00'
      >
        <input value={cron} onChange={(e) => setCron(e.target.value)} required />
      </Field>
      <Field label="Each report covers" name="period">
        <select
          value={period}
          onChange={(e) =>
            setPeriod(
              e.target.value === 'week' ? 'week' : e.target.value === 'month' ? 'month' : 'day',
            )
          }
        >
          <option value="day">the day before</option>
          <option value="week">the week before (Monday–Sunday)</option>
          <option value="month">the month before</option>
        </select>
      </Field>
    </Form>
  );
}

/** The schedules: which reports central builds by itself, and (for admins) managing them. */
export function ReportRules(props: {
  admin: boolean;
  parks: { id: string; name: string; timezone: string }[];
}) {
  const rules = usePoll(() => api.dashboard.reportRules.query(), 'report-rules');
  const list = rules.data?.rules;
  return (
    <>
      <ErrorBanner error={rules.error} />
      {!list ? (
        <Loading />
      ) : list.length === 0 ? (
        <Empty>
          <p>No schedules: reports are built only on request.</p>
          {props.admin ? <p>Add one below.</p> : <p>An admin can add one.</p>}
        </Empty>
      ) : (
        <Table label="Schedule rules">
          <thead>
            <tr>
              <th scope="col">Scope</th>
              <th scope="col">When</th>
              <th scope="col">Covers</th>
              <th scope="col">Next report</th>
              <th scope="col">State</th>
              {props.admin ? <th scope="col">Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {list.map((r) => (
              <tr key={r.id} data-rule={r.id}>
                <td>
                  {r.park}
                  {r.ride ? ` / ${r.ride}` : ' (whole park)'}
                  <div className="sub">{LANGUAGE_WORDS[r.language]}</div>
                </td>
                <td>
                  <span className="mono">{r.cron}</span>
                  <div className="sub">{r.timezone} time</div>
                </td>
                <td>{PERIOD_WORDS[r.period]}</td>
                <td>{r.nextFiringAt ? whenZoned(r.nextFiringAt, r.timezone) : '—'}</td>
                <td>
                  {r.parkDisabled ? (
                    <Badge tone="idle">park disabled</Badge>
                  ) : r.enabled ? (
                    <Badge tone="ok">active</Badge>
                  ) : (
                    <Badge tone="idle">paused</Badge>
                  )}
                </td>
                {props.admin ? (
                  <td>
                    <span className="row">
                      <ActionButton
                        label={r.enabled ? 'Pause' : 'Resume'}
                        busyLabel="Saving…"
                        small
                        run={() =>
                          api.admin.setReportRuleEnabled.mutate({
                            ruleId: r.id,
                            enabled: !r.enabled,
                          })
                        }
                        done={rules.reload}
                      />
                      <ActionButton
                        label="Delete"
                        busyLabel="Deleting…"
                        small
                        variant="danger"
                        confirm={{
                          question: 'Delete this schedule? Its reports stay.',
                          yes: 'Yes, delete',
                        }}
                        run={() => api.admin.deleteReportRule.mutate({ ruleId: r.id })}
                        done={rules.reload}
                      />
                    </span>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      {props.admin && props.parks.length > 0 ? (
        <AddRule parks={props.parks} done={rules.reload} />
      ) : null}
    </>
  );
}

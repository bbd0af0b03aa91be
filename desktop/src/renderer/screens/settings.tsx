import { ActionButton, Banner, Field, Form, Loading } from '@zra/ui';
import { useEffect, useState } from 'react';
import type { Api, Outputs, Settings, Status } from '../api.tsx';
import { describeError } from '../api.tsx';

type CentralTest = Outputs['settings']['testCentral'];

const GIB = 1024 ** 3;

interface FormState {
  centralUrl: string;
  parkToken: string;
  limitKiB: string;
  bufferGiB: string;
  retentionHours: string;
  timeZone: string;
  maxPulls: string;
  minAgeSeconds: string;
  uploadSeconds: string;
}

/** Time zone names the browser knows, offered as the field is typed in (any may be typed). */
const TIME_ZONES = Intl.supportedValuesOf('timeZone');

function formOf(s: Settings): FormState {
  return {
    centralUrl: s.centralUrl,
    parkToken: '',
    limitKiB:
      s.uploadBytesPerSecond === null ? '' : String(Math.round(s.uploadBytesPerSecond / 1024)),
    bufferGiB: String(Math.round((s.bufferMaxBytes / GIB) * 100) / 100),
    retentionHours: String(s.retainAcknowledgedHours),
    timeZone: s.timeZone,
    maxPulls: String(s.maxConcurrentPulls),
    minAgeSeconds: String(s.minAgeSeconds),
    uploadSeconds: String(s.uploadIntervalSeconds),
  };
}

/** Field problems found here, as the agent reports its own: each shown beside its field. */
function fieldProblems(problems: [string, string][]): Error {
  const err = new Error(JSON.stringify(problems.map(([f, message]) => ({ path: [f], message }))));
  return Object.assign(err, { data: { code: 'BAD_REQUEST' } });
}

/** Same address however written (a trailing slash, upper case host). */
function sameUrl(a: string, b: string): boolean {
  try {
    return new URL(a.trim()).href === new URL(b.trim()).href;
  } catch {
    return a.trim() === b.trim();
  }
}

/** The numbers checked here, so a typo is explained before anything is sent. */
function checkForm(f: FormState, saved: Settings): [string, string][] {
  const problems: [string, string][] = [];
  const limit = f.limitKiB.trim();
  if (limit !== '' && !(Number(limit) >= 1)) {
    problems.push([
      'uploadBytesPerSecond',
      'Give the upload speed limit as a number of KiB per second, at least 1, or leave it empty for no limit.',
    ]);
  }
  if (!(Number(f.bufferGiB) > 0)) {
    problems.push([
      'bufferMaxBytes',
      'Give the buffer size limit as a number of GiB greater than 0, e.g. 2.',
    ]);
  }
  if (f.retentionHours.trim() === '' || !(Number(f.retentionHours) >= 0)) {
    problems.push([
      'retainAcknowledgedHours',
      'Give how many hours to keep uploaded drops as a number, 0 or more.',
    ]);
  }
  const whole: [string, string, string][] = [
    [f.maxPulls, 'maxConcurrentPulls', 'how many rides may pull at once'],
    [f.minAgeSeconds, 'minAgeSeconds', 'the minimum file age in seconds'],
    [f.uploadSeconds, 'uploadIntervalSeconds', 'how often to upload, in seconds'],
  ];
  for (const [value, field, what] of whole) {
    if (!/^\d+$/.test(value.trim())) problems.push([field, `Give ${what} as a whole number.`]);
  }
  if (!sameUrl(f.centralUrl, saved.centralUrl) && f.parkToken.trim() === '') {
    problems.push([
      'parkToken',
      'Enter the park token again with the new central address: the agent sends the token to that address, so it moves there only with the token entered again.',
    ]);
  }
  return problems;
}

function CentralTestResult({ result }: { result: CentralTest }) {
  return result.ok ? (
    <p className="banner banner-ok" role="status">
      Central answers at this address and accepts the park token. Save to use them.
    </p>
  ) : (
    <p className="banner banner-error" role="status">
      {result.error}
    </p>
  );
}

export function SettingsScreen({ api, status }: { api: Api; status: Status }) {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [f, setF] = useState<FormState | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [test, setTest] = useState<CentralTest | null>(null);

  useEffect(() => {
    api.settings.get.query().then(
      (s) => {
        setSettings(s);
        setF(formOf(s));
      },
      (err: unknown) => setLoadError(describeError(err)),
    );
  }, [api]);

  if (!f || !settings) {
    return loadError ? (
      <Banner tone="error" title="The settings could not be loaded">
        {loadError}
      </Banner>
    ) : (
      <Loading what="the settings" />
    );
  }
  const set = (k: keyof FormState, v: string) => {
    if (k === 'centralUrl' || k === 'parkToken') setTest(null);
    setF({ ...f, [k]: v });
  };
  const newAddress = !sameUrl(f.centralUrl, settings.centralUrl);
  const save = async (): Promise<string> => {
    const problems = checkForm(f, settings);
    if (problems.length) throw fieldProblems(problems);
    const s = await api.settings.update.mutate({
      centralUrl: f.centralUrl.trim(),
      ...(f.parkToken.trim() ? { parkToken: f.parkToken.trim() } : {}),
      uploadBytesPerSecond: f.limitKiB.trim() === '' ? null : Math.round(Number(f.limitKiB) * 1024),
      bufferMaxBytes: Math.round(Number(f.bufferGiB) * GIB),
      retainAcknowledgedHours: Number(f.retentionHours),
      timeZone: f.timeZone.trim(),
      maxConcurrentPulls: Number(f.maxPulls),
      minAgeSeconds: Number(f.minAgeSeconds),
      uploadIntervalSeconds: Number(f.uploadSeconds),
    });
    setSettings(s);
    setF(formOf(s));
    setTest(null);
    return 'Saved. The new settings apply now.';
  };
  return (
    <>
      {settings.parkTokenError ? (
        <Banner tone="error" title="The saved park token cannot be read">
          <p>{settings.parkTokenError}</p>
          <p>What to do: enter the park token again and save.</p>
        </Banner>
      ) : null}
      <Form
        label="Settings"
        layout="column"
        submitLabel="Save settings"
        busyLabel="Saving…"
        onSubmit={save}
      >
        <h2>Link to central</h2>
        <div className="form-grid">
          <Field
            label="Central address"
            name="centralUrl"
            hint="Given by Zamperla, e.g. https://central.example.com"
          >
            <input value={f.centralUrl} onChange={(e) => set('centralUrl', e.target.value)} />
          </Field>
          <Field
            label="Park token"
            name="parkToken"
            hint={
              newAddress
                ? 'Needed with a new address: enter the park token Zamperla gave you.'
                : `The saved token ends in ${settings.parkTokenHint}. Leave empty to keep it.`
            }
          >
            <input
              type="password"
              autoComplete="off"
              aria-required={newAddress}
              value={f.parkToken}
              onChange={(e) => set('parkToken', e.target.value)}
            />
          </Field>
        </div>
        <div className="row">
          <ActionButton
            label="Test central"
            busyLabel="Asking central…"
            run={async () => {
              setTest(null);
              setTest(
                await api.settings.testCentral.mutate({
                  centralUrl: f.centralUrl.trim(),
                  ...(f.parkToken.trim() ? { parkToken: f.parkToken.trim() } : {}),
                }),
              );
            }}
          />
          <span className="muted">Tries the address and token above without saving them.</span>
        </div>
        {test ? <CentralTestResult result={test} /> : null}
        {status.central.state === 'offline' && status.central.lastError ? (
          <p className="muted">Now: {status.central.lastError}</p>
        ) : null}
        <h2>Uploads and buffer</h2>
        <div className="form-grid">
          <Field
            label="Upload speed limit (KiB per second)"
            name="uploadBytesPerSecond"
            hint="Empty for no limit."
          >
            <input
              inputMode="numeric"
              value={f.limitKiB}
              onChange={(e) => set('limitKiB', e.target.value)}
            />
          </Field>
          <Field
            label="Buffer size limit (GiB)"
            name="bufferMaxBytes"
            hint="Pulling pauses when the buffer is full; nothing waiting for central is ever deleted."
          >
            <input
              inputMode="decimal"
              value={f.bufferGiB}
              onChange={(e) => set('bufferGiB', e.target.value)}
            />
          </Field>
          <Field
            label="Keep uploaded drops for (hours)"
            name="retainAcknowledgedHours"
            hint="After central has them; 0 deletes them at once."
          >
            <input
              inputMode="numeric"
              value={f.retentionHours}
              onChange={(e) => set('retentionHours', e.target.value)}
            />
          </Field>
          <Field
            label="Upload every (seconds)"
            name="uploadIntervalSeconds"
            hint="1 to 86400, while central answers. New drops are sent at once anyway."
          >
            <input
              inputMode="numeric"
              value={f.uploadSeconds}
              onChange={(e) => set('uploadSeconds', e.target.value)}
            />
          </Field>
        </div>
        <h2>Pulling</h2>
        <div className="form-grid">
          <Field
            label="Time zone"
            name="timeZone"
            hint={`The park's${
              status.global.standing
                ? ` (central has it in ${status.global.standing.today.timezone})`
                : ', e.g. Europe/Rome'
            }: the rides' pull times are read in it, and this app shows times in it.`}
          >
            <input
              list="time-zones"
              autoComplete="off"
              value={f.timeZone}
              onChange={(e) => set('timeZone', e.target.value)}
            />
          </Field>
          <Field
            label="Rides pulled at once"
            name="maxConcurrentPulls"
            hint="1 to 16. Pulls under way finish; the next ones keep to the new number."
          >
            <input
              inputMode="numeric"
              value={f.maxPulls}
              onChange={(e) => set('maxPulls', e.target.value)}
            />
          </Field>
          <Field
            label="Minimum file age (seconds)"
            name="minAgeSeconds"
            hint="0 to 3600. A younger file may still be written by the gateway and waits for a later pull; 0 if the gateway writes files whole."
          >
            <input
              inputMode="numeric"
              value={f.minAgeSeconds}
              onChange={(e) => set('minAgeSeconds', e.target.value)}
            />
          </Field>
        </div>
        <datalist id="time-zones">
          {TIME_ZONES.map((tz) => (
            <option key={tz} value={tz} />
          ))}
        </datalist>
      </Form>
    </>
  );
}

import { useEffect, useState, type FormEvent } from 'react';
import type { Api, Settings } from '../api.tsx';
import { errorText } from '../api.tsx';
import { Field, Problem } from '../ui.tsx';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

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

/** The numbers checked here, so a typo is explained before anything is sent. */
function checkNumbers(f: FormState): string | null {
  const limit = f.limitKiB.trim();
  if (limit !== '' && !(Number(limit) >= 1)) {
    return 'Give the upload speed limit as a number of KiB per second, at least 1, or leave it empty for no limit.';
  }
  if (!(Number(f.bufferGiB) > 0)) {
    return 'Give the buffer size limit as a number of GiB greater than 0, e.g. 2.';
  }
  if (f.retentionHours.trim() === '' || !(Number(f.retentionHours) >= 0)) {
    return 'Give how many hours to keep uploaded drops as a number, 0 or more.';
  }
  // Their ranges are the agent's to check; its message names the allowed values.
  const whole: [string, string][] = [
    [f.maxPulls, 'how many rides may pull at once'],
    [f.minAgeSeconds, 'the minimum file age in seconds'],
    [f.uploadSeconds, 'how often to upload, in seconds'],
  ];
  for (const [value, what] of whole) {
    if (!/^\d+$/.test(value.trim())) return `Give ${what} as a whole number.`;
  }
  return null;
}

export function SettingsScreen({ api }: { api: Api }) {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [f, setF] = useState<FormState | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api.settings.get.query().then(
      (s) => {
        setSettings(s);
        setF(formOf(s));
      },
      (err: unknown) => setError(errorText(err)),
    );
  }, [api]);

  if (!f || !settings) {
    return error ? <Problem title="The settings could not be loaded" message={error} /> : null;
  }
  const set = (k: keyof FormState, v: string) => {
    setSaved(false);
    setF({ ...f, [k]: v });
  };
  const save = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    const problem = checkNumbers(f);
    if (problem) {
      setError(problem);
      return;
    }
    setBusy(true);
    api.settings.update
      .mutate({
        centralUrl: f.centralUrl.trim(),
        ...(f.parkToken.trim() ? { parkToken: f.parkToken.trim() } : {}),
        uploadBytesPerSecond:
          f.limitKiB.trim() === '' ? null : Math.round(Number(f.limitKiB) * 1024),
        bufferMaxBytes: Math.round(Number(f.bufferGiB) * GIB),
        retainAcknowledgedHours: Number(f.retentionHours),
        timeZone: f.timeZone.trim(),
        maxConcurrentPulls: Number(f.maxPulls),
        minAgeSeconds: Number(f.minAgeSeconds),
        uploadIntervalSeconds: Number(f.uploadSeconds),
      })
      .then(
        (s) => {
          setSettings(s);
          setF(formOf(s));
          setSaved(true);
        },
        (err: unknown) => setError(errorText(err)),
      )
      .finally(() => setBusy(false));
  };
  return (
    <section aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      <form className="card settings-form" onSubmit={save} aria-label="Settings">
        <div className="form-grid">
          <Field label="Central address" hint="Given by Zamperla, e.g. https://central.example.com">
            <input value={f.centralUrl} onChange={(e) => set('centralUrl', e.target.value)} />
          </Field>
          <Field
            label="Park token"
            hint={`The saved token ends in ${settings.parkTokenHint}. Leave empty to keep it.`}
          >
            <input
              type="password"
              autoComplete="off"
              value={f.parkToken}
              onChange={(e) => set('parkToken', e.target.value)}
            />
          </Field>
          <Field label="Upload speed limit (KiB per second)" hint="Empty for no limit.">
            <input
              inputMode="numeric"
              value={f.limitKiB}
              onChange={(e) => set('limitKiB', e.target.value)}
            />
          </Field>
          <Field
            label="Buffer size limit (GiB)"
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
            hint="After central has them; 0 deletes them at once."
          >
            <input
              inputMode="numeric"
              value={f.retentionHours}
              onChange={(e) => set('retentionHours', e.target.value)}
            />
          </Field>
          <Field
            label="Time zone"
            hint="The park's, e.g. Europe/Rome: the rides' pull times are read in it."
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
            hint="0 to 3600. A younger file may still be written by the gateway and waits for a later pull; 0 if the gateway writes files whole."
          >
            <input
              inputMode="numeric"
              value={f.minAgeSeconds}
              onChange={(e) => set('minAgeSeconds', e.target.value)}
            />
          </Field>
          <Field
            label="Upload every (seconds)"
            hint="1 to 86400, while central answers. New drops are sent at once anyway."
          >
            <input
              inputMode="numeric"
              value={f.uploadSeconds}
              onChange={(e) => set('uploadSeconds', e.target.value)}
            />
          </Field>
        </div>
        <datalist id="time-zones">
          {TIME_ZONES.map((tz) => (
            <option key={tz} value={tz} />
          ))}
        </datalist>
        {settings.parkTokenError ? (
          <Problem
            title="The saved park token cannot be read"
            message={settings.parkTokenError}
            action="Enter the park token again and save."
          />
        ) : null}
        {error ? (
          <Problem
            title="The settings were not saved"
            message={error}
            action="Correct the value named in the message and save again."
          />
        ) : null}
        {saved ? (
          <p className="note" role="status">
            Saved. The new settings apply now.
          </p>
        ) : null}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save settings'}
          </button>
        </div>
      </form>
    </section>
  );
}

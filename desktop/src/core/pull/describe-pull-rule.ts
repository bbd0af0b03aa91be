const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const NUMBER = /^\d+$/;
const STEP = /^\*\/(\d+)$/;
const RANGE = /^(\d+)-(\d+)$/;
const LIST = /^\d+(,\d+)+$/;

const two = (n: number): string => String(n).padStart(2, '0');

/**
 * A cron rule in words for the status view, e.g. "*\/15 7-23 * * 1-5" → "every 15 minutes
 * from 07:00 to 23:59, Monday to Friday". Only the common shapes are put into words; any
 * other rule is shown as written rather than described wrongly.
 */
export function describePullRule(expression: string): string {
  const fallback = `cron rule "${expression}"`;
  let fields = expression.trim().split(/\s+/);
  if (fields.length === 6) {
    // Seconds first: only "0" (once a minute) has a plain reading here.
    if (fields[0] !== '0') return fallback;
    fields = fields.slice(1);
  }
  if (fields.length !== 5) return fallback;
  const [minute = '', hour = '', dayOfMonth = '', month = '', weekday = ''] = fields;
  if (dayOfMonth !== '*' || month !== '*') return fallback;
  const time = describeTime(minute, hour);
  const days = describeWeekdays(weekday);
  return time && days ? `${time}, ${days}` : fallback;
}

function describeTime(minute: string, hour: string): string | null {
  if (NUMBER.test(minute) && NUMBER.test(hour)) return `at ${two(+hour)}:${two(+minute)}`;
  if (NUMBER.test(minute) && LIST.test(hour)) {
    return `at ${hour
      .split(',')
      .map((h) => `${two(+h)}:${two(+minute)}`)
      .join(', ')}`;
  }
  let every: string;
  if (minute === '*') every = 'every minute';
  else if (STEP.test(minute)) every = `every ${STEP.exec(minute)?.[1] ?? ''} minutes`;
  else if (NUMBER.test(minute)) every = `every hour at minute ${+minute}`;
  else return null;
  if (hour === '*') return every;
  const range = RANGE.exec(hour);
  if (range) return `${every} from ${two(+(range[1] ?? 0))}:00 to ${two(+(range[2] ?? 0))}:59`;
  if (NUMBER.test(hour)) return `${every} from ${two(+hour)}:00 to ${two(+hour)}:59`;
  return null;
}

function describeWeekdays(field: string): string | null {
  if (field === '*') return 'every day';
  const name = (d: string): string | undefined => WEEKDAYS[+d % 7];
  const range = RANGE.exec(field);
  if (range) {
    const [from, to] = [name(range[1] ?? ''), name(range[2] ?? '')];
    return from && to ? `${from} to ${to}` : null;
  }
  if (NUMBER.test(field) || LIST.test(field)) {
    const names = field.split(',').map(name);
    return names.every(Boolean) ? `on ${names.join(', ')}` : null;
  }
  return null;
}

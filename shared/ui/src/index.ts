export { ActionButton } from './components/action-button.tsx';
export { Badge, STATE_TONES, StateBadge, type Tone } from './components/badge.tsx';
export { Banner, Empty, ErrorBanner, Loading, type BannerTone } from './components/banner.tsx';
export { Card, Stat, Stats } from './components/card.tsx';
export { Field, Form } from './components/form.tsx';
export { Page } from './components/page.tsx';
export { Table } from './components/table.tsx';
export { errorCode, errorText, fieldErrors, type ErrorTextOptions } from './error-text.ts';
export { bytes } from './format/bytes.ts';
export { ago, duration, percent } from './format/duration.ts';
export { count, plural, type Locale, type PluralForms } from './format/plural.ts';
export {
  addDays,
  dayLabel,
  localDate,
  periodLabel,
  when,
  whenZoned,
  zoneNote,
} from './format/zoned-time.ts';
export { Poller, type PollState, type PollerOptions } from './poller.ts';
export { UiConfigProvider, useUiConfig, type UiConfig } from './ui-config.tsx';
export { usePoll, type Polled } from './use-poll.ts';

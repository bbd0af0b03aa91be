/** The UI languages: English and Italian, as the reports. */
export type Locale = 'en' | 'it';

/** A count with its word in the right form for the language ("1 drop", "2 drops", "0 drops"). */
export interface PluralForms {
  one: string;
  other: string;
}

const rules = new Map<Locale, Intl.PluralRules>();

/**
 * `n` and the form of the word the language's plural rules pick (Intl.PluralRules: English
 * and Italian both say "one" only for exactly 1). The number uses the language's digits and
 * grouping ("1,234 drops", "1.234 file").
 */
export function plural(locale: Locale, n: number, forms: PluralForms): string {
  let r = rules.get(locale);
  if (!r) {
    r = new Intl.PluralRules(locale);
    rules.set(locale, r);
  }
  const word = r.select(n) === 'one' ? forms.one : forms.other;
  return `${n.toLocaleString(locale)} ${word}`;
}

/** English shorthand: `count(3, 'drop')` = "3 drops"; irregular plurals pass `many`. */
export function count(n: number, one: string, many = `${one}s`): string {
  return plural('en', n, { one, other: many });
}

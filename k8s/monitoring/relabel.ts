/**
 * Prometheus relabelling, the subset our scrape config uses (replace, keep, drop), so the
 * tests can run the real relabel_configs over example pods: Debian's promtool cannot load a
 * config with kubernetes_sd_configs, and a wrong regex would silently scrape nothing.
 * Semantics follow Prometheus: source values joined with ';', regex anchored at both ends.
 */
export interface RelabelConfig {
  source_labels?: string[];
  separator?: string;
  regex?: string;
  target_label?: string;
  replacement?: string;
  action?: 'replace' | 'keep' | 'drop';
}

/** Applies the configs in order; null when the target is dropped. */
export function relabel(
  labels: Record<string, string>,
  configs: RelabelConfig[],
): Record<string, string> | null {
  const out = { ...labels };
  for (const c of configs) {
    const value = (c.source_labels ?? []).map((l) => out[l] ?? '').join(c.separator ?? ';');
    const regex = new RegExp(`^(?:${c.regex ?? '(.*)'})$`);
    const match = regex.exec(value);
    switch (c.action ?? 'replace') {
      case 'keep':
        if (!match) return null;
        break;
      case 'drop':
        if (match) return null;
        break;
      case 'replace': {
        if (!match || !c.target_label) break;
        const replaced = (c.replacement ?? '$1').replace(/\$\{?(\d+)\}?/g, (_, n: string) =>
          String(match[Number(n)] ?? ''),
        );
        // Prometheus removes a label set to the empty string.
        if (replaced === '') Reflect.deleteProperty(out, c.target_label);
        else out[c.target_label] = replaced;
        break;
      }
    }
  }
  return out;
}

/**
 * The scenario generator does what the figures test relies on: across the test's seeds every
 * sending pattern occurs, every file it means as valid passes the project's verifier with the
 * content id the oracle computes on its own, and the oracle gives each pattern its meaning
 * (re-sends and re-zips change nothing, revisions replace, bad names and misaligned or future
 * windows are rejected by the rule that names them).
 */
import { describe, expect, it } from 'vitest';
import { verifyDrop } from '@zra/shared';
import { readOracleDrop } from './oracle-drop.ts';
import { buildModel, type Delivery } from './oracle.ts';
import { generateScenario, type WriteKind } from './scenario.ts';

const SEEDS = [1, 2, 3];

describe('the gateway model', () => {
  it('covers every sending pattern, and the oracle reads each as issue 14 means it', () => {
    const seen = new Set<WriteKind>();
    let actions = 0;
    for (const seed of SEEDS) {
      const scenario = generateScenario(seed);
      const deliveries: Delivery[] = [];
      scenario.rounds.forEach((round, index) => {
        actions += round.actions.length;
        for (const w of round.writes) {
          seen.add(w.kind);
          const drop = readOracleDrop(w.ride, w.fileName, w.zip, Date.now());
          deliveries.push({ round: index, ride: w.ride, note: w.kind, drop });
          // The project's verifier judges the drop format; the issue-14 rules (misaligned and
          // future windows) are left to the figures test, which expects them to be rejected.
          const verdict = verifyDrop(w.zip, { fileName: w.fileName });
          if (w.kind === 'bad-name') {
            expect(verdict.ok ? 'accepted' : verdict.code, w.fileName).toBe('name_mismatch');
          } else if (w.kind !== 'misaligned' && w.kind !== 'future') {
            expect(verdict.ok ? verdict.contentId : verdict.reason, w.fileName).toBe(
              drop.contentId,
            );
          }
          const expectedRule = { 'bad-name': 'R1', misaligned: 'R2', future: 'R3' }[
            w.kind as string
          ];
          expect(drop.rejection?.rule, `${w.kind} ${w.fileName}`).toBe(expectedRule);
        }
      });
      const model = buildModel(deliveries);
      const lastContent = new Map<string, string>();
      for (const d of deliveries) {
        const kind = d.note as WriteKind;
        const key = `${d.ride}@${d.drop.windowStart}`;
        if (['first', 'canonical-after-bad-name', 'revision', 'revision-same-seq'].includes(kind)) {
          lastContent.set(key, d.drop.contentId);
        }
        if (['resend', 'rezip', 'older-content-again'].includes(kind)) {
          expect(model.validContents.get(d.drop.contentId), `${kind} ${d.drop.fileName}`).not.toBe(
            d,
          );
        }
      }
      for (const [key, contentId] of lastContent) {
        expect(model.live.get(key)?.drop.contentId, `live content of ${key}`).toBe(contentId);
      }
      expect(scenario.reports.length).toBeGreaterThanOrEqual(6);
    }
    expect([...seen].sort()).toEqual(
      [
        'bad-name',
        'canonical-after-bad-name',
        'first',
        'future',
        'misaligned',
        'older-content-again',
        'resend',
        'revision',
        'revision-same-seq',
        'rezip',
      ].sort(),
    );
    expect(actions).toBeGreaterThan(0);
  });
});

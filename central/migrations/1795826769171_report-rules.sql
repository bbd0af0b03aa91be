-- Up Migration

-- A standing order for a report: fires on a cron expression in the park's time zone and
-- covers the period (day, week, month) that just ended there.
CREATE TABLE report_rules (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  park_id text NOT NULL REFERENCES parks (id),
  -- Null for a whole-park report.
  ride_id text,
  cron text NOT NULL CHECK (cron <> ''),
  period text NOT NULL CHECK (period IN ('day', 'week', 'month')),
  language text NOT NULL CHECK (language IN ('en', 'it')),
  enabled boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (park_id, ride_id) REFERENCES rides (park_id, id)
);
CREATE INDEX report_rules_park_idx ON report_rules (park_id);

-- One row per firing of a rule. Every scheduler process fires every rule; the primary key
-- lets exactly one of them insert the firing, and the report with it.
CREATE TABLE report_firings (
  rule_id bigint NOT NULL REFERENCES report_rules (id),
  scheduled_at timestamptz NOT NULL,
  -- Deferred: the firing claims its key first and the report row follows in the same transaction.
  report_id uuid NOT NULL REFERENCES reports (id) DEFERRABLE INITIALLY DEFERRED,
  fired_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (rule_id, scheduled_at)
);

-- Down Migration
DROP TABLE report_firings, report_rules;

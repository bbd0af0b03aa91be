-- Up Migration

-- Opening hours in park-local wall-clock time, the basis of the reports' data completeness
-- (ride-hours with data against ride-hours of opening). Shape, checked by
-- central/src/parks/opening-hours.ts on the way in:
--   {"open": "HH:MM", "close": "HH:MM", "days": {"mon": {"open": …, "close": …}, "sun": null}}
-- `days` overrides single weekdays (null: closed). Parks that existed before get 09:00–19:00
-- every day, a typical season day; an admin corrects it with admin.setOpeningHours.
ALTER TABLE parks
  ADD COLUMN opening_hours jsonb NOT NULL DEFAULT '{"open": "09:00", "close": "19:00"}'
    CHECK (jsonb_typeof(opening_hours) = 'object' AND opening_hours ? 'open' AND opening_hours ? 'close');

-- Down Migration
ALTER TABLE parks DROP COLUMN opening_hours;

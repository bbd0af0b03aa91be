-- Up Migration

-- One row per ride whose whole page-year of days (RIDE_PAGE_MAX_DAYS) was last found or made
-- current in ride_day_figures, in `timezone`, by the figure queries whose digest is `format`
-- (central/src/dashboard/ride-day-store.ts). The backfill keeps the days of every ride without
-- a row that holds, ahead of its first year view: rides nobody has viewed, rides seen only in
-- a shorter page, and, after a release that changes how a figure is counted, every ride.
-- Derived data, like the days: a missing row only makes the backfill look at the ride again.
CREATE TABLE ride_year_kept (
  park_id text NOT NULL,
  ride_id text NOT NULL,
  timezone text NOT NULL,
  format text NOT NULL,
  kept_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (park_id, ride_id),
  FOREIGN KEY (park_id, ride_id) REFERENCES rides (park_id, id) ON DELETE CASCADE
);

-- Down Migration
DROP TABLE ride_year_kept;

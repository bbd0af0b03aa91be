-- Rows per table of schema public, one "table|rows" line each, sorted: what a restore must
-- give back. One statement, so a dump's snapshot and its counts are the same.
SELECT table_name || '|' || (xpath('/row/n/text()',
         query_to_xml(format('SELECT count(*) AS n FROM public.%I', table_name), false, true, '')))[1]::text
  FROM information_schema.tables
 WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
 ORDER BY table_name;

-- Up Migration

-- A worker touches heartbeat_at of the run it is doing every RUN_HEARTBEAT_S. An open run whose
-- heartbeat is older than three intervals was lost with its worker (killed, evicted, out of
-- memory): the next delivery of its message counts it towards DELIVERY_LIMIT, whatever the
-- broker counts (RabbitMQ 4.3 no longer counts deliveries returned by a closed channel). A
-- run still open whose worker is alive (it lost only its broker link) keeps a fresh heartbeat
-- and is not counted.
ALTER TABLE job_runs ADD COLUMN heartbeat_at timestamptz NOT NULL DEFAULT now();

-- Down Migration
ALTER TABLE job_runs DROP COLUMN heartbeat_at;

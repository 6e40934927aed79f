-- jobgate 003: queue() of every pool lists pools in the order they first saw a job (the
-- in-memory store's order), found through an index rather than a scan of the history; and
-- promote() returns the promoted rows as they are after the promotion (sql/reads.sql,
-- sql/slots.sql).

CREATE INDEX IF NOT EXISTS jobgate_jobs_pool_seq_idx ON jobgate_jobs (pool, row_seq);

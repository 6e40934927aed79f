-- jobgate 009 (credits): the credit ledger of PostgresBilling (balances in buckets, append-only
-- ledger, provider costs; the functions, the append-only triggers and the margin view are in
-- sql/credits.sql and sql/billing.sql) and the kept credit state.

-- credit_state 'kept': a charge that stands by the refund policy (cancelled by its user while
--   running, for a tool that keeps those credits), terminal like 'refunded', so heal stops
--   looking at it.
ALTER TABLE jobgate_jobs DROP CONSTRAINT IF EXISTS jobgate_jobs_credit_state_check;
ALTER TABLE jobgate_jobs ADD CONSTRAINT jobgate_jobs_credit_state_check
  CHECK (credit_state IN ('none', 'charged', 'refunding', 'refunded', 'kept'));

CREATE TABLE IF NOT EXISTS jobgate_credit_balances (
  user_id    text        NOT NULL CHECK (length(user_id) BETWEEN 1 AND 256),
  bucket     text        NOT NULL CHECK (bucket ~ '^[a-z][a-z0-9_]{0,31}$'),
  amount     numeric     NOT NULL DEFAULT 0 CHECK (amount >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, bucket)
);

CREATE TABLE IF NOT EXISTS jobgate_credit_ledger (
  id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id    text        NOT NULL CHECK (length(user_id) BETWEEN 1 AND 256),
  job_id     text        CHECK (length(job_id) BETWEEN 1 AND 128),
  kind       text        NOT NULL CHECK (kind IN ('charge', 'refund', 'grant', 'adjust')),
  -- What moved in each bucket, signed ({"monthly": -3, "lifetime": -2} for a charge of 5).
  amounts    jsonb       NOT NULL CHECK (jsonb_typeof(amounts) = 'object'),
  -- The sum of amounts (negative for a charge).
  amount     numeric     NOT NULL,
  tool       text,
  note       text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (kind NOT IN ('charge', 'refund') OR job_id IS NOT NULL)
);

-- The database-level "charged once, refunded once".
CREATE UNIQUE INDEX IF NOT EXISTS jobgate_credit_ledger_job_kind_key
  ON jobgate_credit_ledger (job_id, kind) WHERE kind IN ('charge', 'refund');
CREATE INDEX IF NOT EXISTS jobgate_credit_ledger_user_idx
  ON jobgate_credit_ledger (user_id, id DESC);

-- What the provider reported a job cost (RunningHub: coins or seconds), beside the credits.
CREATE TABLE IF NOT EXISTS jobgate_provider_costs (
  job_id      text        PRIMARY KEY CHECK (length(job_id) BETWEEN 1 AND 128),
  user_id     text        NOT NULL,
  tool        text        NOT NULL,
  cost        numeric     NOT NULL CHECK (cost >= 0),
  unit        text        NOT NULL CHECK (length(unit) BETWEEN 1 AND 32),
  reported_at timestamptz NOT NULL DEFAULT now()
);

-- jobgate 011 (provider_input): a start that goes back to the queue (provider busy) keeps the
-- files the provider already received, so the retry does not upload them again: the
-- provider_input column (the file fields as the provider received them, its upload names)
-- and jobgate_requeue's p_provider_input (sql/slots.sql).

ALTER TABLE jobgate_jobs ADD COLUMN IF NOT EXISTS provider_input jsonb;

-- Superseded: requeue keeps the files the provider received (p_provider_input).
DROP FUNCTION IF EXISTS jobgate_requeue(text, jsonb, bigint, bigint, text, text);

-- The per-call, per-batch and per-model-call tables were written on every analysis but never
-- read: every reader rebuilds them from the spans. They doubled the arguments and results.
DROP TABLE IF EXISTS tool_calls;
DROP TABLE IF EXISTS batches;
DROP TABLE IF EXISTS model_calls;

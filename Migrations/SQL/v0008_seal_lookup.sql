-- Replay checks a flow's seals past its last event (a truncated tail): look seals up by stream.
-- Without this index that check scanned every seal (50 ms per replay on a log of a million events).
CREATE INDEX IF NOT EXISTS seals_stream ON seals (stream_id, stream_version);

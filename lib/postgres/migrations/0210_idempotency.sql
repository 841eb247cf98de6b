-- Idempotency records (lib/idempotency): the response a write gave under a client's idempotency key, written in the
-- write's own transaction, so that a retry on any replica finds it exactly when the write committed. A record past
-- the configured window is replaced by the next write under its key.
CREATE TABLE idempotency_records (
  channel    text COLLATE "C" NOT NULL,
  requester  text COLLATE "C" NOT NULL,
  key        text COLLATE "C" NOT NULL,
  digest     text NOT NULL,
  response   bytea NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (channel, requester, key)
);

-- Initial schema. Runs unchanged on PostgreSQL 15 (Debian) and PGlite (PostgreSQL 18): nothing newer than PG 15.
--
-- Conventions:
-- * Every asset row carries its channel; keys are unique per channel, so primary keys are (channel, key).
-- * `asset` holds the whole protobuf message (binary encoding): reads return exactly what was written, including
--   field presence. The other columns exist only for filtering, ordering, indexing and integrity.
-- * Keys and other ordered text use COLLATE "C" (byte order) so that ordering does not depend on the cluster
--   locale and matches the other backends.
-- * creation_date / timestamp are timestamptz: microsecond precision, the precision every backend keeps.
-- * Enums are stored as their proto numbers.
-- * Foreign keys guard the structure the services rely on (a task's plan, function and parents; what refers to a
--   task; sample ↔ manager links). Owners/workers are not constrained to registered organizations: the services
--   check them, and a constraint would only add a lookup per row to the hottest insert (tasks).

CREATE TABLE organizations (
  channel       text COLLATE "C" NOT NULL,
  id            text COLLATE "C" NOT NULL,
  creation_date timestamptz NOT NULL,
  asset         bytea NOT NULL,
  PRIMARY KEY (channel, id)
);
CREATE INDEX organizations_order_idx ON organizations (channel, creation_date, id);

CREATE TABLE functions (
  channel       text COLLATE "C" NOT NULL,
  key           text COLLATE "C" NOT NULL,
  owner         text COLLATE "C" NOT NULL,
  status        integer NOT NULL,
  creation_date timestamptz NOT NULL,
  asset         bytea NOT NULL,
  PRIMARY KEY (channel, key)
);
CREATE INDEX functions_order_idx ON functions (channel, creation_date, key);

CREATE TABLE data_managers (
  channel       text COLLATE "C" NOT NULL,
  key           text COLLATE "C" NOT NULL,
  owner         text COLLATE "C" NOT NULL,
  creation_date timestamptz NOT NULL,
  asset         bytea NOT NULL,
  PRIMARY KEY (channel, key)
);
CREATE INDEX data_managers_order_idx ON data_managers (channel, creation_date, key);

CREATE TABLE data_samples (
  channel       text COLLATE "C" NOT NULL,
  key           text COLLATE "C" NOT NULL,
  owner         text COLLATE "C" NOT NULL,
  creation_date timestamptz NOT NULL,
  asset         bytea NOT NULL,
  PRIMARY KEY (channel, key)
);
CREATE INDEX data_samples_order_idx ON data_samples (channel, creation_date, key);

-- Sample ↔ manager links (the sample's data_manager_keys, `position` keeps their order).
CREATE TABLE data_sample_managers (
  channel          text COLLATE "C" NOT NULL,
  data_manager_key text COLLATE "C" NOT NULL,
  data_sample_key  text COLLATE "C" NOT NULL,
  position         integer NOT NULL,
  PRIMARY KEY (channel, data_manager_key, data_sample_key),
  FOREIGN KEY (channel, data_sample_key) REFERENCES data_samples (channel, key) ON DELETE CASCADE,
  FOREIGN KEY (channel, data_manager_key) REFERENCES data_managers (channel, key)
);
CREATE INDEX data_sample_managers_sample_idx ON data_sample_managers (channel, data_sample_key);

CREATE TABLE compute_plans (
  channel       text COLLATE "C" NOT NULL,
  key           text COLLATE "C" NOT NULL,
  owner         text COLLATE "C" NOT NULL,
  creation_date timestamptz NOT NULL,
  asset         bytea NOT NULL,
  PRIMARY KEY (channel, key)
);
CREATE INDEX compute_plans_order_idx ON compute_plans (channel, creation_date, key);
CREATE INDEX compute_plans_owner_idx ON compute_plans (channel, owner, creation_date, key);

-- `status` is the source of truth for a task's status: status changes (the hottest write, e.g. propagation over
-- a whole plan) update this column only, and reads patch it into the decoded `asset`.
CREATE TABLE compute_tasks (
  channel          text COLLATE "C" NOT NULL,
  key              text COLLATE "C" NOT NULL,
  compute_plan_key text COLLATE "C" NOT NULL,
  function_key     text COLLATE "C" NOT NULL,
  worker           text COLLATE "C" NOT NULL,
  owner            text COLLATE "C" NOT NULL,
  status           integer NOT NULL,
  rank             integer NOT NULL,
  creation_date    timestamptz NOT NULL,
  asset            bytea NOT NULL,
  PRIMARY KEY (channel, key),
  FOREIGN KEY (channel, compute_plan_key) REFERENCES compute_plans (channel, key),
  FOREIGN KEY (channel, function_key) REFERENCES functions (channel, key)
);
-- QueryTasks pages in (creation_date, key) order: each common filter gets an index ending with that order, so a page
-- is an index range scan instead of a sort of every matching task (a 10,000-task plan).
CREATE INDEX compute_tasks_order_idx ON compute_tasks (channel, creation_date, key);
CREATE INDEX compute_tasks_plan_order_idx ON compute_tasks (channel, compute_plan_key, creation_date, key);
CREATE INDEX compute_tasks_worker_idx ON compute_tasks (channel, worker, status, creation_date, key);
CREATE INDEX compute_tasks_status_idx ON compute_tasks (channel, status, creation_date, key);
-- Distinct statuses of a plan (IsPlanRunning, plan status) and a function's tasks in some statuses.
CREATE INDEX compute_tasks_plan_status_idx ON compute_tasks (channel, compute_plan_key, status);
CREATE INDEX compute_tasks_function_idx ON compute_tasks (channel, function_key, status);

-- Distinct parents referenced by a task's inputs (children look-ups go parent → child).
CREATE TABLE compute_task_parents (
  channel    text COLLATE "C" NOT NULL,
  parent_key text COLLATE "C" NOT NULL,
  child_key  text COLLATE "C" NOT NULL,
  PRIMARY KEY (channel, parent_key, child_key),
  FOREIGN KEY (channel, child_key) REFERENCES compute_tasks (channel, key) ON DELETE CASCADE,
  FOREIGN KEY (channel, parent_key) REFERENCES compute_tasks (channel, key)
);
CREATE INDEX compute_task_parents_child_idx ON compute_task_parents (channel, child_key);

-- What a task produced on each output, `position` = registration order within (task, identifier).
CREATE TABLE compute_task_output_assets (
  channel           text COLLATE "C" NOT NULL,
  compute_task_key  text COLLATE "C" NOT NULL,
  output_identifier text COLLATE "C" NOT NULL,
  position          integer NOT NULL,
  asset_kind        integer NOT NULL,
  asset_key         text COLLATE "C" NOT NULL,
  asset             bytea NOT NULL,
  PRIMARY KEY (channel, compute_task_key, output_identifier, position),
  FOREIGN KEY (channel, compute_task_key) REFERENCES compute_tasks (channel, key)
);

CREATE TABLE models (
  channel          text COLLATE "C" NOT NULL,
  key              text COLLATE "C" NOT NULL,
  compute_task_key text COLLATE "C" NOT NULL,
  owner            text COLLATE "C" NOT NULL,
  creation_date    timestamptz NOT NULL,
  asset            bytea NOT NULL,
  PRIMARY KEY (channel, key),
  FOREIGN KEY (channel, compute_task_key) REFERENCES compute_tasks (channel, key)
);
CREATE INDEX models_task_idx ON models (channel, compute_task_key, creation_date, key);

CREATE TABLE performances (
  channel           text COLLATE "C" NOT NULL,
  compute_task_key  text COLLATE "C" NOT NULL,
  output_identifier text COLLATE "C" NOT NULL,
  creation_date     timestamptz NOT NULL,
  asset             bytea NOT NULL,
  PRIMARY KEY (channel, compute_task_key, output_identifier),
  FOREIGN KEY (channel, compute_task_key) REFERENCES compute_tasks (channel, key)
);
-- Substra's order: creation date ascending, then task key descending (identifier as the final tiebreaker).
CREATE INDEX performances_order_idx ON performances (channel, creation_date, compute_task_key DESC, output_identifier);

CREATE TABLE failure_reports (
  channel       text COLLATE "C" NOT NULL,
  asset_key     text COLLATE "C" NOT NULL,
  creation_date timestamptz NOT NULL,
  asset         bytea NOT NULL,
  PRIMARY KEY (channel, asset_key)
);

-- Events, numbered by `position` in commit order across all channels (see lib/postgres/store/events.ts).
-- The sequence is only ever advanced while holding a transaction-level advisory lock (held until commit),
-- which is what makes positions visible in commit order; the sequence itself only avoids reading MAX(position)
-- through a SERIALIZABLE snapshot taken before the lock (which would be stale).
CREATE SEQUENCE events_position_seq AS bigint MINVALUE 1 CACHE 1;

CREATE TABLE events (
  position   bigint PRIMARY KEY,
  channel    text COLLATE "C" NOT NULL,
  id         text COLLATE "C" NOT NULL,
  asset_key  text COLLATE "C" NOT NULL,
  asset_kind integer NOT NULL,
  event_kind integer NOT NULL,
  emitted_at timestamptz NOT NULL,
  metadata   jsonb NOT NULL DEFAULT '{}',
  event      bytea NOT NULL,
  UNIQUE (channel, id)
);
-- Stream replay: a channel's events in position order.
CREATE INDEX events_replay_idx ON events (channel, position);
-- QueryEvents: by timestamp then id (both directions), optionally for one asset key.
CREATE INDEX events_order_idx ON events (channel, emitted_at, id);
CREATE INDEX events_asset_idx ON events (channel, asset_key, emitted_at, id);

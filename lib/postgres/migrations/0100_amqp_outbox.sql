-- AMQP dispatch cursor (facade/local/outbox.ts). The events table is the outbox: the dispatcher publishes events in
-- position order and, once RabbitMQ confirmed them, records here the position of the last one. After a crash or a
-- broker outage it resumes after that position, so events are delivered at least once and never out of order
-- (consumers de-duplicate on the AMQP message id = event id).
--
-- One row per dispatcher name; 'amqp' starts at 0, i.e. the first dispatcher publishes the whole history.
CREATE TABLE amqp_outbox_cursor (
  name       text PRIMARY KEY,
  position   bigint NOT NULL CHECK (position >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO amqp_outbox_cursor (name, position) VALUES ('amqp', 0);

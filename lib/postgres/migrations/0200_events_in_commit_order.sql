-- QueryEvents follows commit order (position), the order SubscribeToEvents delivers, instead of (emitted_at, id):
-- the events of one call share a timestamp, and ids are random. A channel's events in position order are
-- events_replay_idx; one asset's events in position order need their own index.
DROP INDEX events_order_idx;
DROP INDEX events_asset_idx;
CREATE INDEX events_asset_position_idx ON events (channel, asset_key, position);

-- The append-only event log, content-addressed blobs, and the read models projected from the log.

CREATE TABLE events (
  position        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- Readers that follow the log order by (transaction_id, position) and stop below the oldest open
  -- transaction, so a transaction that commits late is never skipped.
  transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id(),
  stream_id       text        NOT NULL,
  stream_position integer     NOT NULL,
  -- Derived from the crawl and its step, so a retried append is a no-op.
  event_id        text        NOT NULL UNIQUE,
  type            text        NOT NULL,
  data            jsonb       NOT NULL,
  metadata        jsonb       NOT NULL DEFAULT '{}',
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (stream_id, stream_position)
);
CREATE INDEX events_by_transaction ON events (transaction_id, position);

-- A wake-up hint for log followers; they read the table, never the payload.
CREATE FUNCTION notify_events_appended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('events_appended', '');
  RETURN NULL;
END $$;
CREATE TRIGGER events_appended AFTER INSERT ON events
  FOR EACH STATEMENT EXECUTE FUNCTION notify_events_appended();

-- Large content (raw changelogs, parsed results) stored once, by the sha256 of its bytes.
CREATE TABLE blobs (
  sha256     text        PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  media_type text        NOT NULL,
  size       integer     NOT NULL,
  content    bytea       NOT NULL,
  stored_at  timestamptz NOT NULL DEFAULT now()
);

-- Read models. Each is rebuilt from the log by `changelogs projections rebuild`.

CREATE TABLE packages (
  registry               text        NOT NULL,
  name                   text        NOT NULL,
  latest_version         text,
  summary                text,
  -- The changelog shown for the package: the one from its most recently published crawled release.
  changelog_version      text,
  changelog_published_at timestamptz,
  changelog_file         text,
  changelog_source_url   text,
  changelog_format       text,
  changelog_blob         text REFERENCES blobs (sha256),
  updated_at             timestamptz NOT NULL,
  PRIMARY KEY (registry, name)
);

CREATE TABLE releases (
  registry       text        NOT NULL,
  name           text        NOT NULL,
  version        text        NOT NULL,
  outcome        text        NOT NULL,
  published_at   timestamptz,
  crawled_at     timestamptz NOT NULL,
  workflow_id    text        NOT NULL,
  changelog_file text,
  parsed_blob    text REFERENCES blobs (sha256),
  reason         text,
  PRIMARY KEY (registry, name, version)
);

CREATE TABLE changelog_entries (
  registry   text    NOT NULL,
  name       text    NOT NULL,
  ordinal    integer NOT NULL,
  version    text,
  date       date,
  title      text    NOT NULL,
  body       text    NOT NULL,
  html       text    NOT NULL,
  sections   jsonb   NOT NULL,
  unreleased boolean NOT NULL,
  yanked     boolean NOT NULL,
  prerelease boolean NOT NULL,
  PRIMARY KEY (registry, name, ordinal),
  FOREIGN KEY (registry, name) REFERENCES packages (registry, name) ON DELETE CASCADE
);

CREATE TABLE crawls (
  workflow_id  text        NOT NULL,
  run_id       text        NOT NULL,
  registry     text        NOT NULL,
  name         text        NOT NULL,
  version      text        NOT NULL,
  outcome      text        NOT NULL,
  started_at   timestamptz NOT NULL,
  finished_at  timestamptz NOT NULL,
  error        text,
  position     bigint      NOT NULL,
  PRIMARY KEY (workflow_id, run_id)
);
CREATE INDEX crawls_newest_first ON crawls (position DESC);
CREATE INDEX crawls_by_package ON crawls (registry, name, position DESC);

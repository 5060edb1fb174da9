-- Where discovery stands. Operational state, not a projection: it says what has been seen upstream.

-- One row per feed: the npm follower's last_seq, the RubyGems and PyPI poll cursors.
CREATE TABLE discovery_cursors (
  source     text        PRIMARY KEY,
  cursor     jsonb       NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The packument `modified` time of each npm package when the follower last handled it, so that a change
-- to a package yields only the versions published since.
CREATE TABLE npm_packages_seen (
  name     text        PRIMARY KEY,
  modified timestamptz NOT NULL
);

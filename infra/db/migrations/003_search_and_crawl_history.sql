-- Search over packages (exact name, then prefix, then full text) and the indexes the crawl-history
-- connections page through.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The changelog's text, weighted below names and summaries. Kept by the triggers below, because the
-- projection replaces a package's entries wholesale; capped so a huge changelog cannot overflow a tsvector.
ALTER TABLE packages ADD COLUMN changelog_document tsvector;

-- Names are tokenised without stemming (a name is an identifier), whole and split at . / _ - @, so that
-- `zope.interface` matches `interface`; summaries and changelogs in English.
ALTER TABLE packages ADD COLUMN document tsvector GENERATED ALWAYS AS (
  setweight(to_tsvector('simple'::regconfig, name || ' ' || translate(name, '@/._-', '     ')), 'A')
  || setweight(to_tsvector('english'::regconfig, coalesce(summary, '')), 'B')
  || coalesce(changelog_document, ''::tsvector)
) STORED;

CREATE INDEX packages_document ON packages USING gin (document);
-- Exact (lower(name) = …) and prefix (lower(name) LIKE 'abc%') matches.
CREATE INDEX packages_lower_name ON packages (lower(name) text_pattern_ops) INCLUDE (registry, name);
-- Similar names (typos, substrings).
CREATE INDEX packages_name_trigram ON packages USING gin (lower(name) gin_trgm_ops);

CREATE FUNCTION refresh_changelog_documents() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE packages p
     SET changelog_document = (
       SELECT setweight(to_tsvector('english'::regconfig,
                left(string_agg(coalesce(e.title, '') || ' ' || e.body, ' ' ORDER BY e.ordinal), 100000)), 'C')
         FROM changelog_entries e
        WHERE e.registry = p.registry AND e.name = p.name)
    FROM (SELECT DISTINCT registry, name FROM changed) k
   WHERE p.registry = k.registry AND p.name = k.name;
  RETURN NULL;
END $$;

CREATE TRIGGER changelog_entries_inserted AFTER INSERT ON changelog_entries
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION refresh_changelog_documents();
CREATE TRIGGER changelog_entries_deleted AFTER DELETE ON changelog_entries
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION refresh_changelog_documents();

-- Packages projected before this migration.
UPDATE packages p
   SET changelog_document = (
     SELECT setweight(to_tsvector('english'::regconfig,
              left(string_agg(coalesce(e.title, '') || ' ' || e.body, ' ' ORDER BY e.ordinal), 100000)), 'C')
       FROM changelog_entries e
      WHERE e.registry = p.registry AND e.name = p.name);

-- Crawl history, newest first, filtered by outcome or registry.
CREATE INDEX crawls_by_outcome ON crawls (outcome, position DESC);
CREATE INDEX crawls_by_registry ON crawls (registry, outcome, position DESC);
-- Failed releases to replay.
CREATE INDEX releases_failed ON releases (crawled_at) WHERE outcome = 'failed';

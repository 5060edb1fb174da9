-- Postgres's text-search parser takes quadratic time on runs of `<!--` (and similar tag-like markup): a
-- hostile changelog made the recording step spend ~12 s of database CPU. Angle brackets carry no search
-- words, so they become spaces before the changelog text is indexed.
CREATE OR REPLACE FUNCTION refresh_changelog_documents() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE packages p
     SET changelog_document = (
       SELECT setweight(to_tsvector('english'::regconfig, translate(
                left(string_agg(coalesce(e.title, '') || ' ' || e.body, ' ' ORDER BY e.ordinal), 100000), '<>', '  ')), 'C')
         FROM changelog_entries e
        WHERE e.registry = p.registry AND e.name = p.name)
    FROM (SELECT DISTINCT registry, name FROM changed) k
   WHERE p.registry = k.registry AND p.name = k.name;
  RETURN NULL;
END $$;

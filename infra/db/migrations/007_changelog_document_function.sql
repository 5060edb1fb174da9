-- A changelog's search document defined once, as a function of its entries' text, for the triggers that keep it
-- as entries change and for the projection rebuild, which computes every package's document in the statement that
-- writes the package (instead of writing each package again from the trigger). Same expression as before.
CREATE FUNCTION changelog_document(entries_text text) RETURNS tsvector
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT setweight(to_tsvector('english'::regconfig, translate(left(entries_text, 100000), '<>', '  ')), 'C') $$;

-- The text a changelog's document is made of, in entry order.
CREATE FUNCTION changelog_entries_text(p_registry text, p_name text) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT string_agg(coalesce(e.title, '') || ' ' || e.body, ' ' ORDER BY e.ordinal)
          FROM changelog_entries e WHERE e.registry = p_registry AND e.name = p_name $$;

CREATE OR REPLACE FUNCTION refresh_changelog_documents() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE packages p
     SET changelog_document = changelog_document(changelog_entries_text(p.registry, p.name))
    FROM (SELECT DISTINCT registry, name FROM changed) k
   WHERE p.registry = k.registry AND p.name = k.name;
  RETURN NULL;
END $$;

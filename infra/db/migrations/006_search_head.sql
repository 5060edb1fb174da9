-- Search ranks most full-text matches by their name and summary alone: `search_head` is the name (weight A) and
-- summary (B) part of `document`, a few dozen bytes stored in the row, while `document` carries the changelog text
-- too and is often stored out of line (TOAST), so ranking a thousand matches by it read and decompressed a thousand
-- documents. The changelog is read only for packages that match through their changelog alone.

ALTER TABLE packages ADD COLUMN search_head tsvector GENERATED ALWAYS AS (
  setweight(to_tsvector('simple'::regconfig, name || ' ' || translate(name, '@/._-', '     ')), 'A')
  || setweight(to_tsvector('english'::regconfig, coalesce(summary, '')), 'B')
) STORED;

CREATE INDEX packages_registry_search_head ON packages USING gin (registry, search_head);

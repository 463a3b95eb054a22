-- Forgiving search (issue 13): names and booking numbers found regardless of accents, case,
-- word order and small typos. `unaccent` and `pg_trgm` ship with PostgreSQL (contrib) and are
-- trusted extensions: the database's owner may create them.
CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

-- Lower case without accents. `unaccent(text)` is only STABLE (it reads its dictionary through
-- the search path); naming the dictionary makes the result depend on the argument alone, so
-- the function may be IMMUTABLE and indexed.
CREATE FUNCTION wso_fold(t text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN lower(public.unaccent('public.unaccent'::regdictionary, t));

-- What a booking is searched by: both names and the booking number, folded.
CREATE FUNCTION wso_search_doc(last_name text, first_name text, booking_number text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN public.wso_fold(last_name || ' ' || first_name || ' ' || booking_number);

CREATE INDEX bookings_search_trgm ON bookings
    USING gin (wso_search_doc(last_name, first_name, booking_number) gin_trgm_ops);

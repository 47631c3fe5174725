-- Kept counts without a queue of writers (BENCHMARKS.md, findings): 64 connections writing at
-- once waited on two rows that every one of them updated and held locked until commit.
--
-- 1. A user's favorites: counted over the favorites primary key (user_id leads it) when asked,
--    an index range read, instead of updating the user's row on every favorite.
DROP TRIGGER favorites_inserted ON favorites;
DROP TRIGGER favorites_deleted ON favorites;
DROP FUNCTION count_favorites();
ALTER TABLE users DROP COLUMN favorite_count;

-- 2. All articles: spread over 16 slots, each connection adding to the slot of its backend
--    process, so concurrent writers rarely touch the same row; readers sum the slots.
CREATE TABLE article_total_slots (
    slot          SMALLINT PRIMARY KEY CHECK (slot BETWEEN 0 AND 15),
    article_count BIGINT NOT NULL
);
INSERT INTO article_total_slots (slot, article_count)
SELECT s, CASE WHEN s = 0 THEN (SELECT article_count FROM site_counts) ELSE 0 END
FROM generate_series(0, 15) AS s;

CREATE OR REPLACE FUNCTION count_articles() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    step BIGINT := CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END;
    total BIGINT := (SELECT COUNT(*) FROM changed);
BEGIN
    IF total > 0 THEN
        UPDATE article_total_slots SET article_count = article_count + step * total
        WHERE slot = pg_backend_pid() % 16;
        UPDATE users u SET article_count = u.article_count + step * c.n
        FROM (SELECT author_id, COUNT(*) AS n FROM changed GROUP BY author_id) c
        WHERE u.id = c.author_id;
    END IF;
    RETURN NULL;
END $$;
DROP TABLE site_counts;

-- Kept counts, so that a page of articles, the feed and the tag list cost index lookups whatever
-- the size of the data: counting 100,000 articles or grouping 220,000 tag links on every home
-- page took 135-160 ms (BENCHMARKS.md). Statement-level triggers keep them exact inside every
-- transaction, also when rows go through ON DELETE CASCADE or a bulk insert (one update per
-- statement, not per row).

-- Articles this user wrote / favorited.
ALTER TABLE users ADD COLUMN article_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN favorite_count BIGINT NOT NULL DEFAULT 0;
-- Articles carrying this tag; the tag list is ordered by it.
ALTER TABLE tags ADD COLUMN article_count BIGINT NOT NULL DEFAULT 0;
CREATE INDEX tags_popular_idx ON tags (article_count DESC, name);

-- All articles: one row.
CREATE TABLE site_counts (
    singleton     BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    article_count BIGINT NOT NULL
);

-- Counts for what is already stored.
INSERT INTO site_counts (article_count) SELECT COUNT(*) FROM articles;
UPDATE users SET
    article_count = (SELECT COUNT(*) FROM articles a WHERE a.author_id = users.id),
    favorite_count = (SELECT COUNT(*) FROM favorites f WHERE f.user_id = users.id);
UPDATE tags SET article_count = (SELECT COUNT(*) FROM article_tags at WHERE at.tag_id = tags.id);

-- `changed` holds the inserted or the deleted rows; `step` is +1 or -1.
CREATE FUNCTION count_articles() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    step BIGINT := CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END;
    total BIGINT := (SELECT COUNT(*) FROM changed);
BEGIN
    IF total > 0 THEN
        UPDATE site_counts SET article_count = article_count + step * total;
        UPDATE users u SET article_count = u.article_count + step * c.n
        FROM (SELECT author_id, COUNT(*) AS n FROM changed GROUP BY author_id) c
        WHERE u.id = c.author_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER articles_inserted AFTER INSERT ON articles
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION count_articles();
CREATE TRIGGER articles_deleted AFTER DELETE ON articles
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION count_articles();

CREATE FUNCTION count_favorites() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    step BIGINT := CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END;
BEGIN
    UPDATE users u SET favorite_count = u.favorite_count + step * c.n
    FROM (SELECT user_id, COUNT(*) AS n FROM changed GROUP BY user_id) c
    WHERE u.id = c.user_id;
    RETURN NULL;
END $$;
CREATE TRIGGER favorites_inserted AFTER INSERT ON favorites
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION count_favorites();
CREATE TRIGGER favorites_deleted AFTER DELETE ON favorites
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION count_favorites();

CREATE FUNCTION count_tag_links() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    step BIGINT := CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END;
BEGIN
    UPDATE tags t SET article_count = t.article_count + step * c.n
    FROM (SELECT tag_id, COUNT(*) AS n FROM changed GROUP BY tag_id) c
    WHERE t.id = c.tag_id;
    RETURN NULL;
END $$;
CREATE TRIGGER article_tags_inserted AFTER INSERT ON article_tags
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION count_tag_links();
CREATE TRIGGER article_tags_deleted AFTER DELETE ON article_tags
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION count_tag_links();

-- Kept counts, so that a page of articles, the feed and the tag list cost index lookups whatever
-- the size of the data: counting 100,000 articles or grouping 220,000 tag links on every home
-- page took 135-160 ms (BENCHMARKS.md). Triggers keep them exact inside every transaction, also
-- when rows go through ON DELETE CASCADE (SQLite fires triggers for cascaded deletes).

-- Articles this user wrote / favorited.
ALTER TABLE users ADD COLUMN article_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN favorite_count INTEGER NOT NULL DEFAULT 0;
-- Articles carrying this tag; the tag list is ordered by it.
ALTER TABLE tags ADD COLUMN article_count INTEGER NOT NULL DEFAULT 0;
CREATE INDEX tags_popular_idx ON tags (article_count DESC, name);

-- All articles: one row.
CREATE TABLE site_counts (
    singleton     INTEGER PRIMARY KEY DEFAULT 1 CHECK (singleton = 1),
    article_count INTEGER NOT NULL
);

-- Counts for what is already stored.
INSERT INTO site_counts (article_count) SELECT COUNT(*) FROM articles;
UPDATE users SET
    article_count = (SELECT COUNT(*) FROM articles a WHERE a.author_id = users.id),
    favorite_count = (SELECT COUNT(*) FROM favorites f WHERE f.user_id = users.id);
UPDATE tags SET article_count = (SELECT COUNT(*) FROM article_tags at WHERE at.tag_id = tags.id);

CREATE TRIGGER articles_inserted AFTER INSERT ON articles BEGIN
    UPDATE site_counts SET article_count = article_count + 1;
    UPDATE users SET article_count = article_count + 1 WHERE id = NEW.author_id;
END;
CREATE TRIGGER articles_deleted AFTER DELETE ON articles BEGIN
    UPDATE site_counts SET article_count = article_count - 1;
    UPDATE users SET article_count = article_count - 1 WHERE id = OLD.author_id;
END;

CREATE TRIGGER favorites_inserted AFTER INSERT ON favorites BEGIN
    UPDATE users SET favorite_count = favorite_count + 1 WHERE id = NEW.user_id;
END;
CREATE TRIGGER favorites_deleted AFTER DELETE ON favorites BEGIN
    UPDATE users SET favorite_count = favorite_count - 1 WHERE id = OLD.user_id;
END;

CREATE TRIGGER article_tags_inserted AFTER INSERT ON article_tags BEGIN
    UPDATE tags SET article_count = article_count + 1 WHERE id = NEW.tag_id;
END;
CREATE TRIGGER article_tags_deleted AFTER DELETE ON article_tags BEGIN
    UPDATE tags SET article_count = article_count - 1 WHERE id = OLD.tag_id;
END;

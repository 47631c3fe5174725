-- Kept counts without a queue of writers (BENCHMARKS.md, findings); the same schema as the
-- PostgreSQL migration, where the contention was measured.
--
-- 1. A user's favorites: counted over the favorites primary key (user_id leads it) when asked,
--    instead of updating the user's row on every favorite.
DROP TRIGGER favorites_inserted;
DROP TRIGGER favorites_deleted;
ALTER TABLE users DROP COLUMN favorite_count;

-- 2. All articles: PostgreSQL spreads the total over slots for concurrent writers; SQLite has
--    one writer at a time, so it keeps one slot, and readers sum the slots the same way.
CREATE TABLE article_total_slots (
    slot          INTEGER PRIMARY KEY CHECK (slot BETWEEN 0 AND 15),
    article_count INTEGER NOT NULL
);
INSERT INTO article_total_slots (slot, article_count) SELECT 0, article_count FROM site_counts;

DROP TRIGGER articles_inserted;
DROP TRIGGER articles_deleted;
DROP TABLE site_counts;
CREATE TRIGGER articles_inserted AFTER INSERT ON articles BEGIN
    UPDATE article_total_slots SET article_count = article_count + 1;
    UPDATE users SET article_count = article_count + 1 WHERE id = NEW.author_id;
END;
CREATE TRIGGER articles_deleted AFTER DELETE ON articles BEGIN
    UPDATE article_total_slots SET article_count = article_count - 1;
    UPDATE users SET article_count = article_count - 1 WHERE id = OLD.author_id;
END;

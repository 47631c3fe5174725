-- A tag's page walks its links newest first and stops after one page, instead of collecting
-- every article of the tag and sorting them (530 ms for the most used tag of 100,000 articles,
-- BENCHMARKS.md). Each link carries its article's creation time, which never changes.
-- SQLite cannot add a NOT NULL column without a default, so the table is rebuilt (nothing
-- references it) and its counting triggers made again.
CREATE TABLE article_tags_new (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    tag_id     INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (article_id, tag_id)
);
INSERT INTO article_tags_new (article_id, tag_id, position, created_at)
SELECT at.article_id, at.tag_id, at.position, a.created_at
FROM article_tags at JOIN articles a ON a.id = at.article_id;
DROP TABLE article_tags;
ALTER TABLE article_tags_new RENAME TO article_tags;
CREATE INDEX article_tags_tag_idx ON article_tags (tag_id, created_at DESC, article_id DESC);

CREATE TRIGGER article_tags_inserted AFTER INSERT ON article_tags BEGIN
    UPDATE tags SET article_count = article_count + 1 WHERE id = NEW.tag_id;
END;
CREATE TRIGGER article_tags_deleted AFTER DELETE ON article_tags BEGIN
    UPDATE tags SET article_count = article_count - 1 WHERE id = OLD.tag_id;
END;

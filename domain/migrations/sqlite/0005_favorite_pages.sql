-- A user's favorites page walks their favorites newest article first and stops after one page,
-- instead of reading every favorited article to sort them by creation time (BENCHMARKS.md,
-- findings 2f). Each favorite carries its article's creation time, which never changes.
-- SQLite cannot add a NOT NULL column without a default, so the table is rebuilt (nothing
-- references it and no trigger is on it).
CREATE TABLE favorites_new (
    user_id            INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    article_id         INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    article_created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, article_id)
);
INSERT INTO favorites_new (user_id, article_id, article_created_at)
SELECT f.user_id, f.article_id, a.created_at
FROM favorites f JOIN articles a ON a.id = f.article_id;
DROP TABLE favorites;
ALTER TABLE favorites_new RENAME TO favorites;
CREATE INDEX favorites_article_idx ON favorites (article_id);
CREATE INDEX favorites_user_created_idx ON favorites (user_id, article_created_at DESC, article_id DESC);

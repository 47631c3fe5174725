-- A user's favorites page walks their favorites newest article first and stops after one page,
-- instead of reading every favorited article to sort them by creation time (BENCHMARKS.md,
-- findings 2f). Each favorite carries its article's creation time, which never changes.
ALTER TABLE favorites ADD COLUMN article_created_at BIGINT NOT NULL DEFAULT 0;
UPDATE favorites SET article_created_at = a.created_at FROM articles a WHERE a.id = favorites.article_id;
-- The default was only there to add the column: every favorite must name its time.
ALTER TABLE favorites ALTER COLUMN article_created_at DROP DEFAULT;
CREATE INDEX favorites_user_created_idx ON favorites (user_id, article_created_at DESC, article_id DESC);

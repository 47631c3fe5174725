-- Each article keeps its tag names, in order, as the JSON array a page of articles answers with
-- (findings 2j): reading them from the links took a join and an aggregate per article of every
-- page. The links stay the truth for tag pages and counts; the domain writes both together.
ALTER TABLE articles ADD COLUMN tag_list TEXT NOT NULL DEFAULT '[]';
UPDATE articles SET tag_list = (
    SELECT json_group_array(t.name ORDER BY at.position)
    FROM article_tags at JOIN tags t ON t.id = at.tag_id
    WHERE at.article_id = articles.id
)
WHERE id IN (SELECT article_id FROM article_tags);

-- Each article keeps its tag names, in order, as the JSON array a page of articles answers with
-- (findings 2j): reading them from the links took a join and an aggregate per article of every
-- page. The links stay the truth for tag pages and counts; the domain writes both together.
ALTER TABLE articles ADD COLUMN tag_list TEXT NOT NULL DEFAULT '[]';
UPDATE articles a SET tag_list = l.names
FROM (
    SELECT at.article_id, CAST(json_agg(t.name ORDER BY at.position) AS TEXT) AS names
    FROM article_tags at JOIN tags t ON t.id = at.tag_id
    GROUP BY at.article_id
) l
WHERE a.id = l.article_id;

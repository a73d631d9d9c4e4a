-- An article's own settings (state, close_after_days, title, address) change what its
-- cached pages show ("comments are closed"): tell every instance, as comments do.
CREATE FUNCTION articles_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('moderation_pages',
                      CASE WHEN octet_length(NEW.article) < 4000 THEN NEW.article ELSE '' END);
    RETURN NULL;
END
$$;

CREATE TRIGGER articles_pages_change AFTER INSERT OR UPDATE OF state, close_after_days, title, url
    ON articles FOR EACH ROW EXECUTE FUNCTION articles_changed();

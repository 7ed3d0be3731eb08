-- Roles that enforce the promise (issue 9). `vellum migrate` runs as the owner; everything else
-- runs as a login role in vellum_app and needs no DDL.

-- The database, not the writer, decides where an event stands and in which transaction, and holds
-- its time to the transaction's: a writer cannot slip an event in behind the sealer's cursor or
-- backdate it. SECURITY DEFINER: the app role has no privilege on the identity sequence.
CREATE FUNCTION vellum_stamp_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    NEW.position := nextval(pg_get_serial_sequence(TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME, 'position'));
    NEW.tx_id := pg_current_xact_id();
    IF NEW.recorded_at < transaction_timestamp() - interval '5 minutes'
       OR NEW.recorded_at > clock_timestamp() + interval '5 minutes' THEN
        RAISE EXCEPTION 'recorded_at % is not the time of its transaction (%)', NEW.recorded_at, transaction_timestamp()
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER events_stamp BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION vellum_stamp_event();

-- ENABLE ALWAYS: `session_replication_role = replica` no longer turns the guards off. Only the
-- table's owner (or a superuser) can disable them, which is why serving never runs as the owner.
ALTER TABLE events ENABLE ALWAYS TRIGGER events_stamp;
ALTER TABLE events ENABLE ALWAYS TRIGGER events_refuse_update_delete;
ALTER TABLE events ENABLE ALWAYS TRIGGER events_refuse_truncate;
ALTER TABLE seals ENABLE ALWAYS TRIGGER seals_refuse_update_delete;
ALTER TABLE seals ENABLE ALWAYS TRIGGER seals_refuse_truncate;
ALTER TABLE checkpoints ENABLE ALWAYS TRIGGER checkpoints_refuse_update_delete;
ALTER TABLE checkpoints ENABLE ALWAYS TRIGGER checkpoints_refuse_truncate;

-- Every command checks the schema version before it starts.
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'vellum_app') THEN
        GRANT SELECT ON schema_migrations TO vellum_app;
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'vellum_auditor') THEN
        GRANT SELECT ON schema_migrations TO vellum_auditor;
    END IF;
END;
$$;

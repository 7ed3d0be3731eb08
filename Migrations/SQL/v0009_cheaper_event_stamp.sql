-- The insert trigger that stamps every event row (v0007) ran as a SECURITY DEFINER function with
-- its own search_path, and looked its sequence up by name on every row: an eighth of the
-- database's time per append. It now runs as the inserting role, which may draw from the
-- sequence (harmless: the trigger still overwrites whatever position a row brings, and positions
-- have gaps anyway), with the sequence resolved once, here, and every name qualified.
DO $migration$
DECLARE
    sequence_name text := pg_get_serial_sequence(quote_ident(current_schema()) || '.events', 'position');
BEGIN
    EXECUTE format($function$
        CREATE OR REPLACE FUNCTION vellum_stamp_event() RETURNS trigger
        LANGUAGE plpgsql SECURITY INVOKER AS $body$
        BEGIN
            NEW.position := pg_catalog.nextval(%L::pg_catalog.regclass);
            NEW.tx_id := pg_catalog.pg_current_xact_id();
            IF NEW.recorded_at OPERATOR(pg_catalog.<) (pg_catalog.transaction_timestamp() OPERATOR(pg_catalog.-) interval '5 minutes')
               OR NEW.recorded_at OPERATOR(pg_catalog.>) (pg_catalog.clock_timestamp() OPERATOR(pg_catalog.+) interval '5 minutes') THEN
                RAISE EXCEPTION 'recorded_at %% is not the time of its transaction (%%)', NEW.recorded_at, pg_catalog.transaction_timestamp()
                    USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END;
        $body$
        $function$, sequence_name);
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'vellum_app') THEN
        EXECUTE format('GRANT USAGE ON SEQUENCE %s TO vellum_app', sequence_name);
    END IF;
END;
$migration$;

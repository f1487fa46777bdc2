-- Rejected records of the running ingest, collected per file, committed with the batch: the columns of
-- lake.main._quarantine (bookkeeping.sql), in a table of the connection's in-memory database (not
-- TEMP): readers staging files side by side on cursors of the connection insert into it too.
CREATE OR REPLACE TABLE memory.main._quarantine_stage AS FROM lake.main._quarantine LIMIT 0;

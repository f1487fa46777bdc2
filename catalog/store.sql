-- The catalog store (SQLite, WAL: readers in other processes never wait for a writer).
-- Statements are named by "-- name:" lines and loaded by catalog/store.py; values are bound as parameters.

-- name: schema
CREATE TABLE IF NOT EXISTS datasets (
    name        TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    layer       TEXT NOT NULL,
    source      TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    owner       TEXT NOT NULL DEFAULT '',
    tags        TEXT NOT NULL DEFAULT '[]',   -- JSON list
    row_count   INTEGER,
    snapshot_id INTEGER,
    updated_at  TEXT,                         -- ISO-8601 UTC: freshness (last snapshot touching the table)
    quality     TEXT,                         -- JSON: passed, checks, failed_critical, failed_warning, validated_at
    properties  TEXT NOT NULL DEFAULT '{}'    -- JSON: source-specific facts (dbt unique_id, model options ...)
);
CREATE TABLE IF NOT EXISTS columns (
    dataset        TEXT NOT NULL REFERENCES datasets(name) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    name           TEXT NOT NULL,
    type           TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    original_name  TEXT,
    tags           TEXT NOT NULL DEFAULT '[]',
    stats          TEXT NOT NULL DEFAULT '{}',  -- JSON: null_fraction, distinct_count, min, max, top_values
    pii_kind       TEXT,
    pii_confidence REAL,
    pii_source     TEXT,
    PRIMARY KEY (dataset, name)
);
CREATE TABLE IF NOT EXISTS lineage (
    upstream   TEXT NOT NULL,
    downstream TEXT NOT NULL,
    via        TEXT NOT NULL,
    PRIMARY KEY (upstream, downstream)
);
CREATE INDEX IF NOT EXISTS lineage_downstream ON lineage (downstream);
-- ``show`` finds a dataset by its name or by the end of it in any case (find_names): indexed on both, so a
-- lookup costs the same in a catalog of 100 datasets or 100,000. The short name is what follows the last
-- dot: rtrim(name, <name without dots>) keeps the part up to and including the last dot.
CREATE INDEX IF NOT EXISTS datasets_lower_name ON datasets (lower(name));
CREATE INDEX IF NOT EXISTS datasets_short_name
    ON datasets (lower(substr(name, length(rtrim(name, replace(name, '.', ''))) + 1)));
CREATE TABLE IF NOT EXISTS schema_history (
    dataset     TEXT NOT NULL,
    snapshot_id INTEGER,
    changed_at  TEXT,
    change      TEXT NOT NULL,
    column_name TEXT,
    detail      TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL,
    old_type    TEXT,  -- added after the first release: catalog/store.py MIGRATIONS adds it to older stores
    new_type    TEXT
);
CREATE INDEX IF NOT EXISTS schema_history_dataset ON schema_history (dataset);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- datasets changed since the search index last caught up (catalog/pending.py): searches overlay them on
-- the index until a writer folds them in; written in the same transaction as the datasets themselves
CREATE TABLE IF NOT EXISTS pending (
    id       TEXT PRIMARY KEY,   -- lower-cased dataset name, the index document id
    seq      INTEGER NOT NULL,   -- change number (meta.pending_seq, never reused); a fold removes up to its own
    document TEXT                -- JSON of catalog.index.fields(record); NULL: the dataset was removed
);

-- name: insert_dataset
INSERT OR REPLACE INTO datasets
    (name, kind, layer, source, description, owner, tags, row_count, snapshot_id, updated_at, quality, properties)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: insert_column
INSERT OR REPLACE INTO columns
    (dataset, position, name, type, description, original_name, tags, stats, pii_kind, pii_confidence, pii_source)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: insert_edge
INSERT OR IGNORE INTO lineage (upstream, downstream, via) VALUES (?, ?, ?);

-- name: insert_change
INSERT INTO schema_history (dataset, snapshot_id, changed_at, change, column_name, old_type, new_type, detail, source)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: select_datasets
SELECT name, kind, layer, source, description, owner, tags, row_count, snapshot_id, updated_at, quality, properties
FROM datasets ORDER BY name;

-- name: select_dataset
SELECT name, kind, layer, source, description, owner, tags, row_count, snapshot_id, updated_at, quality, properties
FROM datasets WHERE name = ?;

-- name: select_columns
SELECT dataset, position, name, type, description, original_name, tags, stats, pii_kind, pii_confidence, pii_source
FROM columns ORDER BY dataset, position;

-- name: select_dataset_columns
SELECT dataset, position, name, type, description, original_name, tags, stats, pii_kind, pii_confidence, pii_source
FROM columns WHERE dataset = ? ORDER BY position;

-- name: find_names
-- ?1 the name as given, ?2 its last part (lower-cased): both conditions are answered from the indexes above
SELECT name FROM datasets
WHERE lower(name) = lower(?1)
   OR (lower(substr(name, length(rtrim(name, replace(name, '.', ''))) + 1)) = ?2
       AND lower(substr(name, length(name) - length(?1))) = lower('.' || ?1))
ORDER BY name;

-- name: names_starting
-- names whose short name starts with ?1 (lower-case) and sorts before ?2: a range of datasets_short_name
SELECT name FROM datasets
WHERE lower(substr(name, length(rtrim(name, replace(name, '.', ''))) + 1)) >= ?1
  AND lower(substr(name, length(rtrim(name, replace(name, '.', ''))) + 1)) < ?2
LIMIT ?3;

-- name: kinds
SELECT name, kind FROM datasets WHERE name IN (SELECT value FROM json_each(?1));

-- name: upstream
SELECT upstream, downstream, via FROM lineage WHERE downstream = ? ORDER BY upstream;

-- name: downstream
SELECT upstream, downstream, via FROM lineage WHERE upstream = ? ORDER BY downstream;

-- name: select_history
SELECT dataset, snapshot_id, changed_at, change, column_name, old_type, new_type, detail, source
FROM schema_history WHERE dataset = ? ORDER BY snapshot_id, source, changed_at;

-- name: delete_dataset
DELETE FROM datasets WHERE name = ?;

-- name: delete_dataset_edges
DELETE FROM lineage WHERE downstream = ? AND via = ?;

-- name: delete_dataset_history
DELETE FROM schema_history WHERE dataset = ?;

-- name: bump_pending_seq
INSERT INTO meta (key, value) VALUES ('pending_seq', '1')
ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1;

-- name: upsert_pending
INSERT OR REPLACE INTO pending (id, seq, document)
VALUES (?, (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'pending_seq'), ?);

-- name: select_pending
SELECT id, seq, document FROM pending ORDER BY seq;

-- name: count_pending
SELECT count(*) FROM pending;

-- name: delete_folded
DELETE FROM pending WHERE seq <= ?;

-- name: delete_all_pending
DELETE FROM pending;

-- name: rebase_pending
UPDATE pending SET document = ? WHERE id = ?;

-- name: select_pending_keys
SELECT id, seq, document IS NOT NULL FROM pending ORDER BY seq;

-- name: select_pending_document
SELECT document FROM pending WHERE id = ?;

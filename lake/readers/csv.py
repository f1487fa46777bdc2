"""CSV reader: explicit dialect, DuckDB's types, every rejected line kept.

1. Encoding: a BOM, else UTF-8 if the sample decodes, else CP-1252/Latin-1 (or ``encoding=``);
   files that are not UTF-8 are transcoded to a scratch UTF-8 file first.
2. Delimiter: chosen from a sample (``csv_dialect.detect``), never left to a sniffer that may fall
   back to one text column; DuckDB's ``sniff_csv`` is then asked, with that delimiter, for the
   header and column types. ``schema=`` overrides types.
3. Read with ``strict_mode`` and ``store_rejects``: ragged rows and values that do not parse as
   the column's type are quarantined with line, reason and the raw line; the rest is staged.

``_source_line`` is the record's 1-based number among the rows that parsed (header excluded);
quarantine rows carry the physical line number.
"""

from __future__ import annotations

from collections import Counter

from lake.readers.base import (
    MAX_RECORD_BYTES,
    FileByFile,
    StageContext,
    Staged,
    lineage_sql,
    override_types,
    quarantine_sql,
    select_list,
    write_stage,
)
from lake.readers.csv_dialect import NATIVE_ENCODINGS, detect, sample, transcode
from lake.sources import Source
from lake.sqltext import literal, options, struct_literal
from lakehouse.errors import InputError

QUOTE = '"'
BINARY_PROBE = 8192


class CsvReader(FileByFile):
    format = "csv"

    def stage(self, source: Source, index: int, ctx: StageContext) -> Staged:
        con = ctx.con
        data = sample(source)
        if not data.strip():
            return Staged([], {}, {}, 0, 0, 0, [f"{source.path.name}: empty file, nothing to read"])
        if b"\x00" in data[:BINARY_PROBE] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise InputError(f"{source.path.name}: binary data (NUL bytes), not CSV text")
        dialect = detect(data, ctx.encoding)
        path, compression = source.path.as_posix(), source.compression or "uncompressed"
        if dialect.encoding not in NATIVE_ENCODINGS:
            clean = ctx.scratch_dir / f"{index:05d}.csv"
            transcode(source, dialect.encoding, clean)
            path, compression = clean.as_posix(), "uncompressed"
        warnings = []
        if dialect.encoding != "utf-8":
            warnings.append(f"{source.path.name}: read as {dialect.encoding}")
        duplicates = [name for name, n in Counter(dialect.header).items() if n > 1]
        if duplicates:
            warnings.append(f"{source.path.name}: duplicate header names {duplicates} were made unique")
        dialect_opts = {
            "delim": dialect.delimiter,
            "quote": QUOTE,
            "escape": QUOTE,
            "compression": compression,
            "encoding": "utf-16" if dialect.encoding == "utf-16" else "utf-8",
            "max_line_size": MAX_RECORD_BYTES,
        }
        sniffed = con.execute(
            f"SELECT HasHeader, Columns, DateFormat, TimestampFormat FROM sniff_csv({literal(path)}, "
            f"{options(dialect_opts)}, skip = 0, ignore_errors = true)"
        ).fetchone()
        assert sniffed is not None
        has_header, columns, date_format, ts_format = sniffed
        types = {str(c["name"]): str(c["type"]) for c in columns}
        if len(types) != dialect.fields:
            # the sniffer could not explain the file with our delimiter: read every field as text
            header = [h or f"column{i}" for i, h in enumerate(dialect.header)]
            types = dict.fromkeys(dict.fromkeys(header), "VARCHAR")
            has_header = True
            warnings.append(f"{source.path.name}: types could not be detected; all columns read as VARCHAR")
        select_cols, names = select_list(ctx, list(types))
        typed = override_types(ctx, names, types)
        read_opts = options(
            {
                **dialect_opts,
                "header": bool(has_header),
                "auto_detect": False,
                "strict_mode": True,
                "null_padding": False,
                "store_rejects": True,
                "rejects_table": "_csv_rejects",
                "rejects_scan": "_csv_reject_scans",
                "dateformat": date_format or None,
                "timestampformat": ts_format or None,
            }
        )
        con.execute("DROP TABLE IF EXISTS _csv_rejects; DROP TABLE IF EXISTS _csv_reject_scans")
        reader = f"read_csv({literal(path)}, columns = {struct_literal(typed)}, {read_opts})"
        select = f"SELECT {select_cols}, {lineage_sql(ctx, source, 'r.ordinality')} FROM {reader} WITH ORDINALITY r"
        files, rows, schema = write_stage(ctx, index, select)
        con.execute(
            quarantine_sql(
                ctx,
                source,
                "SELECT line AS source_line, string_agg(coalesce(column_name || ': ', '') || error_message, '; ') "
                "AS reason, any_value(csv_line) AS raw FROM _csv_rejects GROUP BY line ORDER BY line",
            )
        )
        bad = con.execute("SELECT count(DISTINCT line) FROM _csv_rejects").fetchone()
        quarantined = int(bad[0]) if bad else 0
        if path != source.path.as_posix():
            ctx.scratch_dir.joinpath(f"{index:05d}.csv").unlink(missing_ok=True)
        return Staged(files, schema, names, rows + quarantined, rows, quarantined, warnings)

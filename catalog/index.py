"""The search index: one tantivy document per dataset (table, view, dbt model, ML model, image table).

tantivy keeps the index in a folder; a writer commits atomically (a new ``meta.json``), so another
process can search the whole time and sees either the old or the new state after ``reload()``.
Writers are serialized by ``catalog.store.writer_lock``. Text fields use tantivy's default tokenizer
(lower-cased runs of letters and digits, so ``customer_id`` is ``customer`` + ``id``); names and column
names also carry their spelled-out words (``catalog.words``: ``MilesPerGallon`` adds miles per gallon,
``Weight_in_lbs`` adds pounds); ``*_exact``
fields keep whole lower-cased names for the exact-name and exact-column ranking tiers; ``payload``
holds what a hit needs for display, matching columns and access checks without a store lookup.
Single updates do not commit here at once: ``catalog.pending`` logs ``fields(record)`` and later
``apply``-s a batch of them in one commit.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import tantivy

from catalog.model import LINEAGE_COLUMNS, DatasetRecord
from catalog.words import spelled_out, with_words

#: quality label -> weight of the ranking tie-breaker (``catalog.search``)
QUALITY_WEIGHT = {"passing": 1.0, "warning": 0.5, "unknown": 0.3, "failing": 0.0}
#: bump when the schema below changes: the index is rebuilt from the store under a new folder
INDEX_VERSION = 5
TEXT_FIELDS = ("name", "columns", "column_text", "description", "tags", "owner")
#: text field -> its precomputed prefix field: every token's prefixes of 1 to ``PREFIX_MAX`` characters,
#: so ``ment*`` is one posting list instead of a union over every term that starts with "ment"
PREFIX_FIELDS = {"name": "name_prefix", "columns": "columns_prefix", "tags": "tags_prefix"}
PREFIX_MAX = 5  # longer prefixes expand over the term dictionary, where they match few terms
EXACT_FIELDS = ("id", "name_exact", "column_exact", "tag_exact", "owner_exact", "pii", "quality")
FACET_FIELDS = ("kind", "layer")
#: search facet -> the fast field its counts are aggregated from (``catalog.rank.facets``); the exact
#: fields among them are also fast, so one aggregation over the query's matches counts them all
FACETS = {"kind": "kind", "layer": "layer", "owner": "owner_exact", "pii": "pii", "quality": "quality"}
FULL_BUILD_HEAP = 256_000_000  # fewer segments to merge when the whole index is rebuilt
WRITER_HEAP = 15_000_000  # tantivy's minimum; commits of one dataset stay fast
_TOKEN = re.compile(r"[^\W_]+")
MAX_TOKEN_BYTES = 40  # tantivy's default tokenizer drops longer tokens


@lru_cache(maxsize=65_536)
def tokenize(text: str) -> tuple[str, ...]:
    """Tokens the way tantivy's default tokenizer makes them."""
    return tuple(t for t in _TOKEN.findall(text.lower()) if len(t.encode()) <= MAX_TOKEN_BYTES)


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    for name in TEXT_FIELDS:
        builder.add_text_field(name)
    for name in EXACT_FIELDS:
        fast = name in FACETS.values()
        builder.add_text_field(
            name, stored=name == "id", fast=fast, tokenizer_name="raw", index_option="basic"
        )
    for name in PREFIX_FIELDS.values():
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic")
    for name in FACET_FIELDS:
        builder.add_text_field(name, tokenizer_name="raw", fast=True, index_option="basic")
    builder.add_integer_field("updated", indexed=True, fast=True)
    builder.add_float_field("quality_weight", fast=True)
    builder.add_integer_field("name_length", fast=True)  # last tie-breaker: the shorter (more specific) name
    builder.add_bytes_field("payload", stored=True)
    return builder.build()


SCHEMA = build_schema()


@lru_cache(maxsize=262_144)
def _token_prefixes(token: str) -> tuple[str, ...]:
    return tuple(token[:k] for k in range(1, min(len(token), PREFIX_MAX) + 1))


def prefixes(values: Iterable[str]) -> list[str]:
    """The distinct prefixes (1 to ``PREFIX_MAX`` characters) of the tokens of ``values``."""
    out: set[str] = set()
    for token in set(_TOKEN.findall(" ".join(values).lower())):
        if len(token.encode()) <= MAX_TOKEN_BYTES:
            out.update(_token_prefixes(token))
    return list(out)


def index_dir(catalog_dir: Path) -> Path:
    return catalog_dir / f"search-v{INDEX_VERSION}"


def payload(record: DatasetRecord) -> dict[str, Any]:
    """What a hit carries: enough to render it, find its matching columns and apply access rules."""
    return {
        "name": record.name,
        "kind": record.kind,
        "layer": record.layer,
        "description": record.description[:500],
        "owner": record.owner,
        "tags": list(record.tags),
        "quality": record.quality.label if record.quality else "unknown",
        "updated": record.updated_at.isoformat() if record.updated_at else None,
        "rows": record.row_count,
        "also_named": also_named(record),
        "columns": [
            [
                c.name,
                c.type,
                c.pii.kind if c.pii else None,
                c.description[:200],
                list(c.tags),
                c.original_name,
            ]
            for c in record.columns
        ],
    }


def dataset_names(name: str, short_name: str, also: Sequence[str] = ()) -> list[str]:
    """The values of the ``name`` field: the qualified name, its words, and their spelled-out words; ``also``:
    other names that find the dataset (a model's kept versions, ``ml.churn__v2``)."""
    extra = spelled_out(short_name)
    return [name, short_name.replace("_", " "), *([extra] if extra else []), *also]


def also_named(record: DatasetRecord) -> list[str]:
    """Names that find ``record`` though they are not datasets: a model's kept versions."""
    return [v.stored_as for v in record.versions if v.stored_as != record.name]


def fields(record: DatasetRecord) -> dict[str, Any]:
    """The index document of a dataset as plain JSON-able values (``payload`` as a dict)."""
    columns = [c for c in record.columns if c.name not in LINEAGE_COLUMNS]
    tags = [*record.tags, *(t for c in columns for t in c.tags)]
    column_names = [c.name for c in columns] + [c.original_name for c in columns if c.original_name]
    pii = sorted({c.pii.kind for c in columns if c.pii})
    kept = [n.lower() for k in also_named(record) for n in (k, k.rsplit(".", 1)[-1])]
    names = dataset_names(record.name, record.short_name, also_named(record))
    column_words = with_words(column_names)
    values: dict[str, Any] = {
        "id": record.name.lower(),
        "name": names,
        "name_prefix": prefixes(names),
        "columns_prefix": prefixes(column_words),
        "tags_prefix": prefixes(tags),
        # a model's kept versions (ml.churn__v2) find the model: they are not datasets of their own
        "name_exact": sorted({record.name.lower(), record.short_name.lower(), *kept}),
        "columns": column_words,
        "column_exact": sorted({n.lower() for n in column_names}),
        "column_text": [c.description for c in columns if c.description],
        "description": record.description,
        "tags": tags,
        "tag_exact": sorted({t.lower() for t in tags}),
        "owner": record.owner,
        "owner_exact": record.owner.lower(),
        "pii": ["true", *pii] if pii else ["false"],
        "quality": record.quality.label if record.quality else "unknown",
        "kind": record.kind,
        "layer": record.layer,
        "updated": int(record.updated_at.timestamp()) if record.updated_at else 0,
        "name_length": len(record.short_name),
        "quality_weight": QUALITY_WEIGHT[record.quality.label if record.quality else "unknown"],
        "payload": payload(record),
    }
    return values


def document(values: dict[str, Any]) -> tantivy.Document:
    """The tantivy document for ``fields(record)`` (empty values left out)."""
    out = {k: v for k, v in values.items() if v not in ("", [])}
    out["payload"] = json.dumps(values["payload"], separators=(",", ":"), default=str).encode()
    return tantivy.Document(**out)


def exists(catalog_dir: Path) -> bool:
    """Is there an index of this ``INDEX_VERSION`` (cheap: looks for its ``meta.json``)?"""
    return (index_dir(catalog_dir) / "meta.json").is_file()


def open_index(catalog_dir: Path, *, create: bool = False) -> tantivy.Index | None:
    path = index_dir(catalog_dir)
    if path.is_dir() and tantivy.Index.exists(str(path)):
        return tantivy.Index.open(str(path))
    if not create:
        return None
    path.mkdir(parents=True, exist_ok=True)
    return tantivy.Index(SCHEMA, path=str(path))


@contextmanager
def writer(catalog_dir: Path, *, threads: int = 1, heap: int = WRITER_HEAP) -> Iterator[tantivy.IndexWriter]:
    """An index writer that commits on success and rolls back on error (hold the catalog writer lock)."""
    index = open_index(catalog_dir, create=True)
    assert index is not None
    w = index.writer(heap_size=heap, num_threads=threads)
    try:
        yield w
    except BaseException:
        w.rollback()
        raise
    w.commit()
    w.wait_merging_threads()


def replace_all(catalog_dir: Path, records: Iterable[DatasetRecord], *, threads: int = 2) -> int:
    """Replace the whole index in one commit (searchers see the old index until it lands)."""
    count = 0
    with writer(catalog_dir, threads=threads, heap=max(WRITER_HEAP * threads, FULL_BUILD_HEAP)) as w:
        w.delete_all_documents()
        for record in records:
            w.add_document(document(fields(record)))
            count += 1
    for old in catalog_dir.glob("search-v*"):
        if old != index_dir(catalog_dir):
            shutil.rmtree(old, ignore_errors=True)
    return count


def apply(catalog_dir: Path, changes: Iterable[tuple[str, dict[str, Any] | None]]) -> None:
    """Replace (``fields``) or drop (``None``) the documents of some datasets by id, in one commit."""
    with writer(catalog_dir) as w:
        for name, values in changes:
            w.delete_documents_by_term("id", name.lower())
            if values is not None:
                w.add_document(document(values))


def upsert(catalog_dir: Path, records: Iterable[DatasetRecord], *, removed: Iterable[str] = ()) -> None:
    """Replace the documents of some datasets (and drop others) in one small commit."""
    apply(catalog_dir, [*((n, None) for n in removed), *((r.name, fields(r)) for r in records)])

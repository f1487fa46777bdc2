"""The CSV dialect detection's shortcuts (skipping absent delimiters, splitting only the sample's first
lines) choose what the full detection chooses."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import lake
from lake.readers.csv import Detected, _integers_fit
from lake.readers.csv_dialect import DELIMITERS, FIRST_LINES_PREFIX, SAMPLE_LINES, detect, first_lines
from lakehouse.settings import Settings
from tests.lake.conftest import query


@pytest.mark.parametrize("delimiter", DELIMITERS)
def test_each_delimiter_is_chosen_beside_rivals_in_quoted_values(delimiter: str) -> None:
    # every rival delimiter occurs in the sample (inside quotes), so none is skipped for being absent
    rivals = "".join(d for d in DELIMITERS if d != delimiter)
    lines = [delimiter.join(["id", "note", "amount"])]
    lines += [delimiter.join([str(i), f'"x{rivals}y"', f"{i}.5"]) for i in range(50)]
    dialect = detect("\n".join(lines).encode())
    assert (dialect.delimiter, dialect.fields, dialect.consistent) == (delimiter, 3, 1.0)
    assert dialect.rows[1] == ["0", f"x{rivals}y", "0.5"]


@pytest.mark.parametrize("delimiter", DELIMITERS[1:])
def test_a_delimiter_that_occurs_only_in_a_later_line_of_the_sample_still_counts(delimiter: str) -> None:
    # the first 30 lines are one field each; the delimiter appears first at line 31 and splits the
    # 40 lines after it
    lines = ["value"] * 30 + [f"a{delimiter}b"] * 40
    dialect = detect("\n".join(lines).encode())
    assert (dialect.delimiter, dialect.fields, dialect.header) == (delimiter, 2, ["value"])
    assert dialect.consistent == pytest.approx(40 / 70)


def test_a_sample_without_any_delimiter_is_one_column() -> None:
    dialect = detect(b"name\nalpha\nbeta\n")
    assert (dialect.delimiter, dialect.fields, dialect.header, dialect.rows) == (
        ",",
        1,
        ["name"],
        [["name"], ["alpha"], ["beta"]],
    )


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_first_lines_are_the_first_lines_wherever_the_prefix_cuts(end: str) -> None:
    # the header's length moves the first prefix's cut through every position of the lines around
    # the 2,000th, their endings (between "\r" and "\n") included
    body = end.join(f"{i:06d},{'v' * 20}," for i in range(SAMPLE_LINES + 500))
    line = 28 + len(end)
    start = FIRST_LINES_PREFIX - SAMPLE_LINES * line - 2 * line
    for width in range(start, start + 4 * line):
        text = "h" * width + ",b" + end + body
        assert first_lines(text, SAMPLE_LINES) == text.splitlines()[:SAMPLE_LINES]
    short = "a,b" + end + "1,2"
    assert first_lines(short, SAMPLE_LINES) == ["a,b", "1,2"]
    assert len(text) > FIRST_LINES_PREFIX  # the cut was inside the text, not past its end


def test_detection_reads_only_the_first_lines_of_the_sample() -> None:
    # lines past the 2,000th have three fields: detection does not see them
    lines = ["a,b"] + ["1,2"] * (SAMPLE_LINES - 1) + ["1,2,3"] * 3000
    dialect = detect("\r\n".join(lines).encode())
    assert (dialect.delimiter, dialect.fields, dialect.consistent, len(dialect.rows)) == (
        ",",
        2,
        1.0,
        SAMPLE_LINES,
    )
    assert dialect.rows == list(csv.reader(lines[:SAMPLE_LINES]))


def test_a_pipe_file_with_commas_in_its_values_lands_split_on_pipes(
    settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "pipes.csv"
    path.write_text("id|city|price\n1|Paris, France|2,5\n2|Rome, Italy|3,5\n3|Oslo|4\n")
    lake.ingest(settings, [path], "pipes")
    rows = query(settings, "SELECT id, city, price FROM lake.pipes ORDER BY id")
    assert [(int(r[0]), r[1], str(r[2])) for r in rows] == [
        (1, "Paris, France", "2,5"),
        (2, "Rome, Italy", "3,5"),
        (3, "Oslo", "4"),
    ]


@pytest.mark.parametrize(
    ("ids", "fits"),
    [
        (["1", " 2 ", "", "-3", "+4", "\u0661\u0662"], True),  # blanks, signs, padding, any Unicode digits
        (["1", "2.5", "3"], False),
        (["1", "2 3"], False),
        (["1", "2\x003"], False),  # a NUL inside a value: checked value by value, not split on it
        (["1", "\x00"], False),
        (["7", "8\x00"], False),
    ],
)
def test_a_shared_detection_is_reused_only_when_the_samples_integers_fit(ids: list[str], fits: bool) -> None:
    dialect = detect(("id,name\n" + "".join(f"{v},n{k}\n" for k, v in enumerate(ids))).encode())
    shared = Detected(True, {"id": "BIGINT", "name": "VARCHAR"}, None, None, [])
    assert [row[0] for row in dialect.rows[1:]] == ids
    assert _integers_fit(shared, dialect) is fits

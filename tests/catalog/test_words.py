"""The spelled-out words of names (``catalog.words``), which the index and the matching share."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.words import spelled_out, with_words


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("MilesPerGallon", "miles per gallon"),
        ("sepalWidth", "sepal width"),
        ("Weight_in_lbs", "pounds"),
        ("HTTPStatusCode", "http status code"),
        ("pm2_5", "pm 2"),
        ("temp_max", "temperature"),
        ("customer_id", ""),
        ("", ""),
    ],
)
def test_spelled_out_words(name: str, words: str) -> None:
    assert spelled_out(name) == words


def test_names_keep_their_own_spelling_first() -> None:
    assert with_words(["Weight_in_lbs", "order_id"]) == ["Weight_in_lbs", "order_id", "pounds"]


@given(st.text(max_size=30))
def test_spelled_out_words_are_lower_case_words(name: str) -> None:
    assert all(w.isalnum() and w == w.lower() for w in spelled_out(name).split())

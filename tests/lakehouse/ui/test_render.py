"""The page's escaping and its loopback rule, without a lake: markup in data never becomes markup."""

from __future__ import annotations

import json
from html import unescape

import pytest

from lakehouse.errors import UsageError
from lakehouse.ui.charts import distribution
from lakehouse.ui.render import environment, highlight, path, spec
from lakehouse.ui.server import check_host


def test_highlight_marks_words_and_escapes_the_rest() -> None:
    out = str(highlight('<b>Customer</b> "emails" & customers', ["customer"]))
    assert out == "&lt;b&gt;<mark>Customer</mark>&lt;/b&gt; &#34;emails&#34; &amp; <mark>customer</mark>s"


def test_highlight_escapes_markup_in_the_query_words() -> None:
    out = str(highlight("a <script> b", ["<script>"]))
    assert out == "a <mark>&lt;script&gt;</mark> b"


def test_a_chart_spec_cannot_leave_its_attribute() -> None:
    values = ['"><script>alert(1)</script>', "ü & <b> '"]
    html = str(spec(distribution("c", values)))
    assert html.startswith('<div class="chart" data-spec="') and html.endswith('"></div>')
    body = html.removeprefix('<div class="chart" data-spec="').removesuffix('"></div>')
    assert not set(body) & set("<>\"'")
    assert {v["v"] for v in json.loads(unescape(body))["data"]["values"]} == set(values)


def test_templates_escape_by_default() -> None:
    page = environment().from_string("{{ x }} {{ x|highlight(['a']) }}").render(x="<a href='x'>")
    assert "<a href" not in page and "&lt;" in page


def test_names_become_one_path_segment() -> None:
    assert path('lake.o"brien/../x ü') == "lake.o%22brien%2F..%2Fx%20%C3%BC"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_hosts_are_accepted(host: str) -> None:
    check_host(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", ""])  # noqa: S104 - refused
def test_other_hosts_are_refused(host: str) -> None:
    with pytest.raises(UsageError, match="is not a loopback address: the page has no login"):
        check_host(host)

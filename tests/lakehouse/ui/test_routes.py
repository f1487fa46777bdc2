"""Every page and API of ``lakehouse ui`` on the demo lake, compared with what the CLI's own functions give.

The page must show what ``lakehouse catalog search`` / ``catalog show`` / ``lakehouse sql`` show the same
principal - same hits in the same order, same masked values, same error line - and never more.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import io
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from starlette.testclient import TestClient

import catalog
import quality
import warehouse
from catalog.access import Principal, run_query, visibility
from catalog.access.audit import read_log
from lakehouse.cli import main
from lakehouse.settings import Settings
from tests.conftest import SAMPLE_PROJECT
from tests.lakehouse.ui.conftest import IMG, SCRIPT

pytestmark = [pytest.mark.integration, pytest.mark.slow]

HIT = re.compile(r'<a class="hit-name" href="/(?:dataset|model)/([^"]+)">')
ANA = Principal.of(user="ana")


def hits(html: str) -> list[str]:
    return [re.sub(r"%2E", ".", h) for h in HIT.findall(html)]


def cli(settings: Settings, *args: str) -> tuple[int, str, str]:
    """``lakehouse ARGS`` on the demo home, in-process, as a user types it."""
    flags = [f"--{k.replace('_', '-')}={v}" for k, v in SAMPLE_PROJECT.items()]
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(["--home", str(settings.home), "--threads", "2", *flags, *args])
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


# --- search -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["customer", "email", "order status", "pii=true", "type=column email"])
def test_search_ranks_as_the_catalog_does(admin: TestClient, demo_settings: Settings, query: str) -> None:
    page = admin.get("/search", params={"q": query})
    assert page.status_code == 200
    expected = catalog.search(demo_settings, query, limit=20).hits
    assert hits(page.text) == [h.name for h in expected]
    assert expected, "the demo catalog should answer this query"


@pytest.mark.parametrize("query", ["customer", "email", "pii=true"])
def test_search_as_a_principal_filters_as_the_catalog_does(
    ana: TestClient, demo_settings: Settings, query: str
) -> None:
    page = ana.get("/search", params={"q": query})
    expected = catalog.search(demo_settings, query, limit=20, view=visibility(demo_settings, ANA)).hits
    assert hits(page.text) == [h.name for h in expected]
    assert "lake.hostile" not in hits(page.text)  # ana has no grant on it


def test_search_as_you_type_returns_a_fragment_for_htmx(admin: TestClient) -> None:
    page = admin.get("/search", params={"q": "customer"}, headers={"HX-Request": "true"})
    assert page.status_code == 200
    assert "<html" not in page.text and 'class="hit"' in page.text
    assert "<html" in admin.get("/search", params={"q": "customer"}).text  # the same URL opened directly


def test_matched_words_are_highlighted(admin: TestClient) -> None:
    page = admin.get("/search", params={"q": "customer"}).text
    assert re.search(r"<mark>customer</mark>", page, re.IGNORECASE)


def test_facets_add_a_filter_to_the_query(admin: TestClient, demo_settings: Settings) -> None:
    page = admin.get("/search", params={"q": "customer"}).text
    assert "/search?q=customer%20layer%3Dmart" in page
    narrowed = admin.get("/search", params={"q": "customer layer=mart"}).text
    expected = catalog.search(demo_settings, "customer layer=mart", limit=20).hits
    assert hits(narrowed) == [h.name for h in expected] and {h.layer for h in expected} == {"mart"}


FACET = re.compile(r'<section aria-label="([^"]+) facet">(.*?)</section>', re.S)
FACET_LINK = re.compile(r'<a href="/search\?q=([^"]*)"[^>]*>([^<]*)</a> <span class="count">(\d+)</span>')
TOTAL = re.compile(r'<p class="summary"[^>]*>\d+ of (\d+)')


def facet_links(html: str) -> dict[str, list[tuple[str, str, int]]]:
    """heading -> (query of the link, value, count) of the search page's facets."""
    return {
        heading: [(unquote(q), v.removesuffix(" ✕"), int(n)) for q, v, n in FACET_LINK.findall(body)]
        for heading, body in FACET.findall(html)
    }


@pytest.mark.parametrize("user", [None, "ana"])
def test_a_facet_narrows_the_search_to_its_count(
    client_for: Callable[..., TestClient], demo_settings: Settings, user: str | None
) -> None:
    """Type, layer, owner, PII and quality, each value with its count; its link is the query narrowed by the
    facet's filter, and that search finds exactly the count - as the principal, who sees only its own."""
    client = client_for(user)
    view = visibility(demo_settings, Principal.of(user=user)) if user else None
    visible = catalog.search(demo_settings, "", limit=1000, view=view).total
    facets = facet_links(client.get("/search", params={"q": ""}).text)
    assert list(facets) == ["type", "layer", "owner", "PII", "quality"]
    assert sum(n for _, _, n in facets["type"]) == visible
    filters = {"type": "type", "layer": "layer", "owner": "owner", "PII": "pii", "quality": "quality"}
    for heading, values in facets.items():
        for query, value, count in values:
            assert query in (f"{filters[heading]}={value}", f'{filters[heading]}="{value}"')
            narrowed = client.get("/search", params={"q": query}).text
            assert TOTAL.search(narrowed).group(1) == str(count), query  # type: ignore[union-attr]
            chosen = facet_links(narrowed)[heading]
            assert ("", value, count) in chosen  # shown as chosen: its link takes the filter out again


def test_a_principal_never_counts_what_it_may_not_see(ana: TestClient, admin: TestClient) -> None:
    everything = facet_links(admin.get("/search", params={"q": "hostile"}).text)
    assert any(v for _, v, _ in everything["type"])  # lake.hostile exists for the administrator
    assert "lake.hostile" not in ana.get("/search", params={"q": "hostile"}).text
    assert facet_links(ana.get("/search", params={"q": "name=hostile"}).text) == {}


def test_a_bad_query_shows_the_cli_error(admin: TestClient, demo_settings: Settings) -> None:
    page = admin.get("/search", params={"q": "type=tabel"}).text
    code, _, err = cli(demo_settings, "catalog", "search", "type=tabel")
    assert code == 2
    assert "unknown type &#39;tabel&#39; in &#39;type=tabel&#39;" in page
    assert "unknown type 'tabel' in 'type=tabel'" in err


def test_search_api_is_the_catalog_result(ana: TestClient, demo_settings: Settings) -> None:
    answer = ana.get("/api/search", params={"q": "email"})
    expected = catalog.search(demo_settings, "email", limit=20, view=visibility(demo_settings, ANA))
    assert [h["name"] for h in answer.json()["hits"]] == [h.name for h in expected.hits]
    assert answer.json()["facets"] == expected.facets
    assert ana.get("/api/search", params={"q": "updated>yesterday"}).status_code == 400


# --- dataset page ------------------------------------------------------------------------------------


def test_dataset_page_shows_schema_pii_quality_and_history(admin: TestClient) -> None:
    page = admin.get("/dataset/lake.customers").text
    for text in ("email", "VARCHAR", "BIGINT", 'class="badge pii">email', "passing", "Schema history",
                 'hx-get="/dataset/lake.customers/sample"', 'hx-get="/dataset/lake.customers/quarantine"'):  # fmt: skip
        assert text in page, text
    assert page.count('class="badge access-raw"') == page.count('<th scope="row">')


def test_dataset_page_shows_masked_and_hidden_columns_for_the_principal(ana: TestClient) -> None:
    page = ana.get("/dataset/lake.customers").text
    row = re.search(r'<th scope="row">email</th>.*?</tr>', page, re.S)
    assert row and "access-masked" in row.group(0)
    assert '<th scope="row">first_name</th>' not in page  # denied: not even its name
    assert re.search(r'id="hidden-columns">\d+ columns hidden', page)


@pytest.fixture(scope="module")
def data_docs(demo_settings: Settings) -> Path:
    """GX Data Docs built by GX itself from the demo's stored validations (``lakehouse quality docs``)."""
    return quality.build_docs(demo_settings)


def test_the_dataset_page_links_the_data_docs_of_its_newest_validation(
    admin: TestClient, demo_settings: Settings, data_docs: Path
) -> None:
    page = admin.get("/dataset/lake.customers").text
    found = re.search(r'<a href="(/datadocs/[^"]+)" id="data-docs">', page)
    assert found, "no Data Docs link"
    link = html.unescape(found.group(1))
    newest = quality.latest_results(demo_settings)["customers"]
    run_time = dt.datetime.fromisoformat(newest["validated_at"]).strftime("%Y%m%dT%H%M%S.%fZ")
    assert link.startswith(f"/datadocs/validations/{newest['suite']}/") and run_time in link
    assert "rebuild them" not in page  # the docs show the newest validation
    docs = admin.get(link)
    assert docs.status_code == 200 and docs.headers["content-type"].startswith("text/html")
    assert docs.headers["content-security-policy"].startswith("default-src 'none'")  # no CDN request
    assert (data_docs.parent / link.removeprefix("/datadocs/")).read_text(encoding="utf-8") == docs.text
    assert admin.get("/datadocs/index.html").status_code == 200


def test_data_docs_are_served_read_only_from_their_site_to_the_administrator_only(
    admin: TestClient, ana: TestClient, data_docs: Path
) -> None:
    assert 'id="data-docs"' not in ana.get("/dataset/lake.customers").text
    assert ana.get("/datadocs/index.html").status_code == 404  # raw values of failing rows, every suite
    for outside in (
        "..%2F..%2F..%2Fcatalog%2Fcatalog.sqlite",
        "%2Fetc%2Fpasswd",
        "..%2F..%2F..%2F..%2Fhostile.csv",
    ):
        answer = admin.get(f"/datadocs/{outside}")
        assert answer.status_code == 404 and "no Data Docs file" in answer.text, outside
    assert admin.post("/datadocs/index.html").status_code == 405


def test_original_names_are_shown_escaped(admin: TestClient) -> None:
    page = admin.get("/dataset/lake.hostile").text
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "naïve &#34;quoted&#34;" in page and "Größe" in page


def test_sample_rows_are_read_as_the_principal_and_audited(
    ana: TestClient, admin: TestClient, demo_settings: Settings
) -> None:
    before = sum(1 for _ in read_log(demo_settings))
    masked = ana.get("/dataset/lake.customers/sample").text
    raw = admin.get("/dataset/lake.customers/sample").text
    emails = set(re.findall(r"<td>([\w.]+@[\w.]+)</td>", raw))
    assert emails, "the administrator reads raw e-mail addresses"
    assert not emails & set(re.findall(r"<td>([^<]*)</td>", masked))
    expected = run_query(demo_settings, ANA, "SELECT email FROM lake.customers LIMIT 3").rows
    assert all(f"<td>{email}</td>" in masked for (email,) in expected)  # LAST_FOUR: XXXXX + last four
    log = list(read_log(demo_settings))[before:]
    assert [e["user"] for e in log if "lake.customers" in e["relations"]][:1] == ["ana"]
    assert 'class="chart"' in masked  # histograms / top values of the sample


def test_sample_rows_escape_values(admin: TestClient) -> None:
    page = admin.get("/dataset/lake.hostile/sample").text
    assert IMG not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_quarantine_counts_and_records(admin: TestClient, ana: TestClient) -> None:
    page = admin.get("/dataset/lake.customers/quarantine").text
    assert "Could not convert string" in page and "Newest rejected records" in page
    denied = ana.get("/dataset/lake.customers/quarantine").text
    assert "error: table &#39;lake._quarantine&#39; does not exist or" in denied  # the CLI's refusal


def test_a_table_the_principal_may_not_read_is_missing(client_for, demo_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    mark = client_for("mark")
    for url in (
        "/dataset/lake.events",
        "/lineage/lake.events",
        "/dataset/lake.events/sample",
        "/api/dataset/lake.events",
    ):
        answer = mark.get(url)
        assert answer.status_code == 404 and "no dataset &#39;lake.events&#39;" in answer.text.replace(
            "'", "&#39;"
        )
    assert "lake.events" not in hits(mark.get("/search", params={"q": "events"}).text)


def test_dataset_api_is_catalog_show(ana: TestClient, demo_settings: Settings) -> None:
    data = ana.get("/api/dataset/lake.customers").json()
    info = catalog.show(demo_settings, "lake.customers", view=visibility(demo_settings, ANA))
    assert [c["name"] for c in data["dataset"]["columns"]] == [c.name for c in info.dataset.columns]
    assert data["hidden_columns"] == info.hidden_columns > 0


# --- lineage and models ------------------------------------------------------------------------------


def test_lineage_links_both_ways(admin: TestClient) -> None:
    page = admin.get("/lineage/lake.customers").text
    assert 'href="/lineage/staging.stg_customers"' in page and "customers.csv" in page
    back = admin.get("/lineage/staging.stg_customers").text
    assert 'href="/lineage/lake.customers"' in back


def test_a_model_opens_its_model_page(admin: TestClient) -> None:
    answer = admin.get("/dataset/ml.premium", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/model/ml.premium"


@pytest.mark.parametrize(
    ("model", "sections"),
    [("ml.premium", ["TRAINING_INFO", "EVALUATE", "CONFUSION_MATRIX", "ROC_CURVE", "WEIGHTS", "FEATURE_INFO"]),
     ("ml.demo_segments", ["TRAINING_INFO", "EVALUATE", "CENTROIDS", "FEATURE_INFO"])],
)  # fmt: skip
def test_model_sections_run_the_ml_functions(admin: TestClient, model: str, sections: list[str]) -> None:
    page = admin.get(f"/model/{model}").text
    assert re.findall(rf'hx-get="/model/{model}/(\w+)"', page) == sections
    for function in sections:
        part = admin.get(f"/model/{model}/{function}").text
        assert "error:" not in part and "<table" in part, function
    assert 'class="chart"' in admin.get(f"/model/{model}/TRAINING_INFO").text
    assert admin.get(f"/model/{model}/DROP_ALL").status_code == 404


def test_a_tuned_model_shows_its_trials_and_the_optimal_one(
    admin: TestClient, demo_settings: Settings
) -> None:
    page = admin.get("/model/ml.premium_tuned").text
    shown = re.findall(r'hx-get="/model/ml.premium_tuned/(\w+)"', page)
    assert shown[0] == "TRIAL_INFO" and "TRAINING_INFO" not in shown  # BigQuery refuses it for tuned models
    con = warehouse.connect(demo_settings, read_only=True, lake=False)
    try:
        trials = warehouse.execute(con, "SELECT * FROM ML.TRIAL_INFO(MODEL ml.premium_tuned)").to_dicts()
    finally:
        con.close()
    part = admin.get("/model/ml.premium_tuned/TRIAL_INFO").text
    assert "error:" not in part and 'class="chart"' in part
    header = re.findall(r'<th scope="col">(\w+)</th>', part)
    assert header[:2] == ["trial_id", "hyperparameters"] and "is_optimal" in header
    rows = re.findall(r"<tr><td>(.*?)</td></tr>", part, re.S)
    assert len(rows) == len(trials) == 2
    optimal = [r for r in rows if r.split("</td><td>")[header.index("is_optimal")] == "True"]
    assert len(optimal) == 1 and optimal[0].startswith(
        str(next(t["trial_id"] for t in trials if t["is_optimal"]))
    )
    assert "(optimal)" in part  # the chart marks it too


# --- SQL ---------------------------------------------------------------------------------------------


def test_sql_as_a_masked_principal_gives_what_the_cli_gives(ana: TestClient, demo_settings: Settings) -> None:
    query = "SELECT customer_id, email FROM lake.customers ORDER BY customer_id LIMIT 5"
    answer = ana.post("/sql", data={"q": query, "dialect": "auto", "format": "csv"})
    code, out, err = cli(demo_settings, "sql", "--user", "ana", "--format", "csv", query)
    assert code == 0, err
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.text.replace("\r\n", "\n") == out.replace("\r\n", "\n")
    assert "@" not in out.split("\n", 1)[1].split("X")[0]
    table = ana.post("/sql", data={"q": query, "dialect": "auto"}, headers={"HX-Request": "true"}).text
    assert "<html" not in table and table.count("<tr>") == 6


def test_sql_errors_are_the_cli_line(ana: TestClient, demo_settings: Settings) -> None:
    query = "SELECT first_name FROM lake.customers"
    page = ana.post("/sql", data={"q": query}).text
    code, _, err = cli(demo_settings, "sql", "--user", "ana", query)
    assert code == 1
    line = err.strip().removeprefix("error: ")
    assert f"error: {line}".replace("'", "&#39;") in " ".join(page.split())


@pytest.mark.parametrize("statement", ["CREATE TABLE t AS SELECT 1", "DROP TABLE lake.customers",
                                       "SELECT 1; DELETE FROM lake.orders"])  # fmt: skip
def test_the_administrator_page_never_writes(admin: TestClient, statement: str) -> None:
    page = admin.post("/sql", data={"q": statement}).text
    assert "the page runs one query (SELECT, WITH, UNION, ML functions); it never writes" in page


def test_hostile_sql_text_is_escaped(admin: TestClient) -> None:
    page = admin.post("/sql", data={"q": f"SELECT '{IMG}' AS \"{SCRIPT}\""}).text
    assert IMG not in page and SCRIPT not in page and "&lt;img src=x" in page


# --- principals, hostile input and the guards --------------------------------------------------------


def test_a_fixed_principal_cannot_be_widened(ana: TestClient) -> None:
    answer = ana.get("/as", params={"user": "erin"}, follow_redirects=False)
    assert answer.status_code == 303 and "set-cookie" not in answer.headers
    assert '<strong id="principal">ana</strong>' in ana.get("/").text


def test_the_administrator_may_narrow_the_page_to_a_user(client_for, demo_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    client = client_for()
    client.get("/as", params={"user": "mark"})
    assert "lake.events" not in hits(client.get("/search", params={"q": "events"}).text)
    assert client.get("/as", params={"user": "nobody"}).status_code == 404
    client.get("/as", params={"user": ""})
    assert "lake.events" in hits(client.get("/search", params={"q": "events"}).text)


@pytest.mark.parametrize("text", [SCRIPT, "\"'><svg onload=alert(1)>", "naïve Größe 顧客 ' OR 1=1 --"])
def test_hostile_search_text_is_escaped(admin: TestClient, text: str) -> None:
    page = admin.get("/search", params={"q": text}).text
    assert "<svg" not in page and SCRIPT not in page
    assert "顧客" in page or "&lt;" in page


@pytest.mark.parametrize("name", ['lake."customers', "lake.<script>", "顧客", "lake.customers' OR '1'='1"])
def test_hostile_dataset_names_are_missing_and_escaped(admin: TestClient, name: str) -> None:
    for prefix in ("/dataset/", "/lineage/", "/model/", "/api/dataset/"):
        answer = admin.get(prefix + quote(name, safe=""))
        assert answer.status_code == 404
        if prefix == "/api/dataset/":  # JSON, never sniffed as HTML
            assert answer.headers["content-type"] == "application/json"
            assert answer.headers["x-content-type-options"] == "nosniff"
        else:
            assert "<script>" not in answer.text


def test_every_answer_carries_the_security_headers(admin: TestClient) -> None:
    for url in ("/", "/sql", "/dataset/lake.orders", "/static/htmx.min.js", "/nowhere/x"):
        headers = admin.get(url).headers
        if url != "/nowhere/x":
            assert "default-src 'none'" in headers["content-security-policy"], url
            assert headers["x-frame-options"] == "DENY"


def test_other_hosts_and_origins_are_refused(demo_settings: Settings) -> None:
    from lakehouse.ui import create_app

    rebound = TestClient(create_app(demo_settings), base_url="http://attacker.example")
    assert rebound.get("/").status_code == 400
    local = TestClient(create_app(demo_settings), base_url="http://127.0.0.1")
    answer = local.post("/sql", data={"q": "SELECT 1"}, headers={"Origin": "http://attacker.example"})
    assert answer.status_code == 403


def test_ui_refuses_unknown_principals_and_public_hosts(demo_settings: Settings) -> None:
    code, _, err = cli(demo_settings, "ui", "--user", "nobody")
    assert code == 2 and "nobody" in err
    code, _, err = cli(demo_settings, "ui", "--host", "0.0.0.0")  # noqa: S104 - refused
    assert code == 2 and "is not a loopback address" in err

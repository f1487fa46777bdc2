"""One process searches and shows while another refreshes the catalog (store and index) again and again."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import catalog
from catalog import store
from lakehouse.connect import connect
from lakehouse.errors import LockedError
from lakehouse.settings import Settings

REFRESHER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import catalog
    from lakehouse.settings import load_settings
    settings = load_settings({"home": sys.argv[1], "threads": 1})
    for i in range(int(sys.argv[2])):
        catalog.refresh(settings, metadata_file=Path("/nonexistent"))
        print(i, flush=True)
    """
)


@pytest.fixture
def lake(settings: Settings) -> Settings:
    con = connect(settings)
    for i in range(6):
        con.execute(
            f"CREATE TABLE lake.table_{i} AS SELECT range AS id, 'v' || range AS label_{i} FROM range(20)"
        )
    con.execute("CREATE TABLE lake.customers AS SELECT 1 AS customer_id, 'a@example.com' AS email")
    con.close()
    catalog.refresh(settings, metadata_file=Path("/nonexistent"))
    return settings


@pytest.mark.slow
def test_search_and_show_while_another_process_refreshes(lake: Settings) -> None:
    root = Path(catalog.__file__).resolve().parent.parent
    env = {"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}
    child = subprocess.Popen([sys.executable, "-c", REFRESHER, str(lake.home), "4"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    searches = 0
    while child.poll() is None or searches < 20:
        result = catalog.search(lake, "customers")
        assert [h.name for h in result.hits][:1] == ["lake.customers"]
        assert catalog.search(lake, "label*").total == 6
        assert catalog.show(lake, "customers").dataset.row_count == 1
        searches += 1
    out, err = child.communicate()
    assert child.returncode == 0, err
    assert out.split() == ["0", "1", "2", "3"]
    assert searches >= 20


@pytest.mark.slow
def test_two_writers_are_serialized(lake: Settings) -> None:
    root = Path(catalog.__file__).resolve().parent.parent
    env = {"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}
    child = subprocess.Popen([sys.executable, "-c", REFRESHER, str(lake.home), "2"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    for _ in range(2):
        catalog.refresh(lake, metadata_file=Path("/nonexistent"))
    _, err = child.communicate()
    assert child.returncode == 0, err
    assert catalog.search(lake, "label*").total == 6


def test_a_second_catalog_writer_waits_then_names_the_holder(tmp_path: Path) -> None:
    held = r"catalog writer lock .* held by another process \(PID \d+\)"
    # flock: a second open of the file conflicts, even in this process
    with (
        store.writer_lock(tmp_path),
        pytest.raises(LockedError, match=held),
        store.writer_lock(tmp_path, timeout=0.2),
    ):
        pass
    with store.writer_lock(tmp_path, timeout=0.2):  # released: the next writer gets it at once
        pass

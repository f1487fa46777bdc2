"""The DNN types' persistent compilation cache (``compile_cache``): a CREATE MODEL in a new process loads
every program an earlier process compiled for the same shapes, and ``warehouse.connect`` puts the cache
under the settings' ``cache_dir``.

Each run is a real new Python process (the in-memory caches of this one would hide the disk cache), and
JAX's own monitoring events say whether a program came from the cache or was compiled.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import warehouse
from lakehouse.settings import Settings
from warehouse.ml.models.dnn import compile_cache

#: trains one small DNN with the cache in argv[1]; prints JAX's compilation-cache events
SCRIPT = """
import collections, json, sys
import duckdb, jax.monitoring
import warehouse
from warehouse.ml.models.dnn import compile_cache
compile_cache.use(sys.argv[1])
events = collections.Counter()
jax.monitoring.register_event_listener(lambda event, **kwargs: events.update([event]))
con = duckdb.connect()
con.execute("CREATE TABLE t AS SELECT i::DOUBLE AS x, (i % 7)::DOUBLE AS y FROM range(100) r(i)")
warehouse.execute(con, "CREATE MODEL ml.m OPTIONS(model_type='dnn_regressor', input_label_cols=['y'], "
    "hidden_units=[4], max_iterations=2, batch_size=16, data_split_method='NO_SPLIT') AS SELECT x, y FROM t")
print(json.dumps(events))
"""
HITS, MISSES = "/jax/compilation_cache/cache_hits", "/jax/compilation_cache/cache_misses"


def _train_in_new_process(cache: Path, cwd: Path) -> dict[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(cache)], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    events: dict[str, int] = json.loads(done.stdout.strip().splitlines()[-1])
    return events


@pytest.mark.slow  # two new processes, each importing Keras and JAX
def test_a_second_process_loads_every_program_the_first_compiled(tmp_path: Path) -> None:
    cache = tmp_path / "jax"
    first = _train_in_new_process(cache, tmp_path)
    written = sorted(p.name for p in cache.glob("*-cache"))
    assert first.get(MISSES, 0) > 0 and written  # compiled and written, CPU programs included
    second = _train_in_new_process(cache, tmp_path)
    assert second.get(MISSES, 0) == 0, second  # nothing compiled again
    assert second.get(HITS, 0) == first[MISSES]
    assert sorted(p.name for p in cache.glob("*-cache")) == written


def test_warehouse_connect_uses_the_settings_cache_dir(settings: Settings, tmp_path: Path) -> None:
    """``cache_directory`` (default HOME/cache) holds JAX's cache once a warehouse connection is made."""
    assert Settings.model_validate({"home": tmp_path}).cache_dir == tmp_path / "cache"
    mine = settings.with_values("code", cache_directory=tmp_path / "elsewhere")
    before = compile_cache.directory()
    try:
        warehouse.connect(mine, lake=False).close()
        assert compile_cache.directory() == tmp_path / "elsewhere" / "jax"
    finally:
        assert before is not None  # the run's shared cache (tests/conftest.py)
        compile_cache.use(before)

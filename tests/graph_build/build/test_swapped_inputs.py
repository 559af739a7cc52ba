"""Entries swapped for links between the build's listing and its read (issue 13): what is read is what was checked.

The listing of raw/ accepts a regular file; then, before the workers read it, the
file (or the folder raw/) is replaced by a symbolic link to a file outside the
data folder. The swap is made by the build's own event callback, which runs in the
parent right after the listing (the entries it skips are reported before any file
is read), so the race is won every time. The text outside must not reach the graph.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from pyoxigraph import Literal

from graph_build.build import driver
from graph_build.build.events import BuildEvent, EntrySkipped, FileRejected
from graph_build.store.access import open_read_only, run_query

ROOT = Path(__file__).resolve().parents[3]
SEEDS = ROOT / "tests" / "data" / "seeds"
SWAPPED = "002_eb9a3bdd4a792803.txt"
SECRET = "机密：换入的数据目录以外的文件，不得发布"


def swap_data(tmp: Path) -> tuple[Path, Path]:
    """A data folder of the seeds (no annotations) and a named pipe, whose EntrySkipped event is the moment to swap; a document outside."""
    data = tmp / "data"
    shutil.copytree(SEEDS / "raw", data / "raw")
    os.mkfifo(data / "raw" / "0-pipe.txt")
    secret = tmp / "outside" / SWAPPED
    secret.parent.mkdir()
    secret.write_text(SECRET + "\n" + (SEEDS / "raw" / SWAPPED).read_text(encoding="utf-8"), encoding="utf-8")
    return data, secret


def literals_holding(store: Path, text: str) -> list[str]:
    query = f"SELECT ?o WHERE {{ ?s ?p ?o FILTER(isLiteral(?o) && CONTAINS(STR(?o), {Literal(text)})) }}"
    return [row["o"].value for row in run_query(open_read_only(store), query)]


@pytest.mark.parametrize("swapped", ["file", "folder"])
def test_an_entry_swapped_after_the_listing_never_brings_outside_text_into_the_graph(tmp_path: Path, swapped: str) -> None:
    data, secret = swap_data(tmp_path)
    events: list[BuildEvent] = []

    def swap_after_listing(event: BuildEvent) -> None:
        events.append(event)
        if isinstance(event, EntrySkipped) and event.file.endswith("0-pipe.txt") and swapped == "file":
            (data / "raw" / SWAPPED).unlink()
            (data / "raw" / SWAPPED).symlink_to(secret)
        elif isinstance(event, EntrySkipped) and event.file.endswith("0-pipe.txt"):
            (data / "raw").rename(tmp_path / "listed")
            shutil.copytree(tmp_path / "listed", secret.parent, dirs_exist_ok=True, ignore=shutil.ignore_patterns("0-pipe.txt", SWAPPED))
            (data / "raw").symlink_to(secret.parent)

    store = tmp_path / "store"
    if swapped == "file":
        driver.build(data, store, swap_after_listing, jobs=1)
        assert literals_holding(store, SECRET[:8]) == []
        rejected = [e for e in events if isinstance(e, FileRejected)]
        assert [(Path(e.file).name, e.reason) for e in rejected] == [(SWAPPED, f"leads to {secret}, outside the data folder {data}: not followed")]
    else:
        with pytest.raises(driver.BuildError, match="every file was rejected"):  # raw/ itself now leads outside: nothing is read
            driver.build(data, store, swap_after_listing, jobs=1)
        assert not store.exists()
        reasons = {e.reason.split(",")[0] for e in events if isinstance(e, FileRejected)}
        assert reasons == {f"leads to {secret.parent}/{name}" for name in os.listdir(tmp_path / "listed") if name != "0-pipe.txt"}

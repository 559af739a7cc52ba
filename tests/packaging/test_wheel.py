"""`pip install .` (not only -e) carries the ontology, the shapes, the canned queries and the reference data."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_wheel_contains_data_files(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("gaoxin_kg-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {"ontology/gaoxin.ttl", "ontology/shapes.ttl", "gaoxin_reference/provinces.csv", "graph_build/build/driver.py"}
    expected |= {f"queries/{p.name}" for p in (ROOT / "queries").glob("*.rq")}
    assert expected <= names
    assert any(name.endswith("entry_points.txt") for name in names)

"""Annotation files are plain YAML: aliases, tags and wrong types are refused with one line naming the file and the item.

The alias bomb runs in a subprocess under RLIMIT_AS: before the loader refused
aliases, 1 KB of them became a 722 MB error message and 2.4 GB of memory.
"""

from __future__ import annotations

import os
import pickle
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from graph_build.build import driver
from graph_build.extract import annotate
from graph_build.extract.annotate import AnnotationError, read_annotation

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "data" / "seeds"
SOURCE = DATA / "annotations" / "gansu-44eca80e.yaml"
MEMORY_LIMIT = 512 * 1024 * 1024
# Nine levels of nine: 9**9 (387 million) strings once the aliases are expanded, in 1 KB.
ALIAS_BOMB = "segments:\n" + "".join(
    f"- &{chr(97 + k)} [{', '.join(['*' + chr(96 + k)] * 9) if k else ', '.join(['lol'] * 9)}]\n" for k in range(9)
)


@pytest.fixture(scope="module")
def expressions() -> dict:  # type: ignore[type-arg]
    return {e.name: e for e in driver.expressions(DATA)}


def annotation(tmp_path: Path, old: str, new: str) -> Path:
    """Write the gansu annotation file with one change."""
    text = SOURCE.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / SOURCE.name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    return next(k for k, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if needle in line)


def refusal(path: Path, expressions: dict) -> str:  # type: ignore[type-arg]
    """Read an annotation file that must be refused; return the one-line message."""
    with pytest.raises(AnnotationError) as error:
        read_annotation(path, expressions)
    message = str(error.value)
    assert "\n" not in message and len(message) < 400, message
    return message


def test_an_alias_bomb_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text("work: bomb\nreviewed: true\nexpressions: []\n" + ALIAS_BOMB, encoding="utf-8")
    assert path.stat().st_size < 1024
    code = f"""from pathlib import Path
from graph_build.extract.annotate import AnnotationError, read_annotation
try:
    read_annotation(Path({str(path)!r}), {{}})
except AnnotationError as error:
    print(error)
"""

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT, preexec_fn=limited, env=environment)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{path}:6: alias *a: annotation files hold plain data, without aliases\n"


def test_a_python_tag_is_refused_before_anything_is_built(tmp_path: Path, expressions: dict) -> None:  # type: ignore[type-arg]
    marker = tmp_path / "ran"
    path = annotation(tmp_path, "reviewed: true\n", f"reviewed: !!python/object/apply:os.system ['touch {marker}']\n")
    message = refusal(path, expressions)
    assert message == f"{path}:2: tag tag:yaml.org,2002:python/object/apply:os.system: annotation files hold plain data, without tags"
    assert not marker.exists()


def test_any_explicit_tag_is_refused(tmp_path: Path, expressions: dict) -> None:  # type: ignore[type-arg]
    path = annotation(tmp_path, "script: zh-Hans\n", "script: !custom zh-Hans\n")
    assert refusal(path, expressions) == f"{path}:{line_of(path, '!custom')}: tag !custom: annotation files hold plain data, without tags"


@pytest.mark.parametrize(
    ("old", "new", "item", "reason"),
    [
        ("    title:\n      start: 0\n", "    title:\n      start: 0.5\n", "expressions[0].identity.title.start", "expected a whole number, got 0.5"),
        ("    title:\n      start: 0\n", "    title:\n      start: true\n", "expressions[0].identity.title.start", "expected a whole number, got True"),
        ("    title:\n      start: 0\n", "    title:\n      start: '0'\n", "expressions[0].identity.title.start", "expected a whole number, got '0'"),
        ("    title:\n      start: 0\n", "    title:\n      start: [0]\n", "expressions[0].identity.title.start", "expected a whole number, got [0]"),
        ("    title_text: 甘肃省", "    title_text: 12\n    x_text: 甘肃省", "expressions[0].identity", "unknown fields ['x_text']"),
        ("    repairs: []\n", "    repairs: 3\n", "expressions[0].identity.repairs", "expected a list, got 3"),
        ("work: gansu-44eca80e\n", "work: [gansu]\n", "work", "expected text, got ['gansu']"),
        ("- file: 001_7d67dab41be7ced0.txt\n", "- file: 001_other.txt\n", "expressions", "names files not in raw/: ['001_other.txt']"),
    ],
)
def test_a_wrong_value_names_the_file_and_the_item(tmp_path: Path, expressions: dict, old: str, new: str, item: str, reason: str) -> None:  # type: ignore[type-arg]
    path = annotation(tmp_path, old, new)
    assert refusal(path, expressions) == f"{path}: {item}: {reason}"


def test_a_wrong_amount_names_the_item(tmp_path: Path, expressions: dict) -> None:  # type: ignore[type-arg]
    text = SOURCE.read_text(encoding="utf-8")
    amount = next(line for line in text.splitlines() if line.strip().startswith("yuan: "))
    path = annotation(tmp_path, amount + "\n", amount.split("yuan:")[0] + "yuan: 一千万\n")
    message = refusal(path, expressions)
    assert message.startswith(f"{path}: incentives[") and message.endswith(".yuan: expected an amount, got '一千万'")


def test_a_file_that_is_no_mapping_or_no_yaml_gets_one_line(tmp_path: Path, expressions: dict) -> None:  # type: ignore[type-arg]
    path = tmp_path / "list.yaml"
    path.write_text("- 1\n- 2\n", encoding="utf-8")
    assert refusal(path, expressions) == f"{path}: expected a mapping, got [1, 2]"
    path.write_text("work: a\n\tbad: tab\n", encoding="utf-8")
    assert refusal(path, expressions).startswith(f"{path}:2: ")
    path.write_bytes(b"work: \xff\xfe\n")
    assert refusal(path, expressions) == f"{path}: not UTF-8 (byte 6)"


def test_too_many_nodes_are_refused(tmp_path: Path, expressions: dict, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[type-arg]
    monkeypatch.setattr(annotate, "MAX_YAML_NODES", 100)
    message = refusal(SOURCE, expressions)
    assert message.startswith(f"{SOURCE}:") and message.endswith(": more than 100 YAML nodes (annotate.MAX_YAML_NODES)")


def test_a_pipe_or_a_folder_in_place_of_the_file_is_refused_without_blocking(tmp_path: Path, expressions: dict) -> None:  # type: ignore[type-arg]
    pipe = tmp_path / "pipe.yaml"
    os.mkfifo(pipe)
    assert refusal(pipe, expressions) == f"{pipe}: a named pipe (FIFO), not a regular file: not read"
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    assert refusal(folder, expressions) == f"{folder}: a directory, not a regular file: not read"


def test_a_name_with_control_characters_is_printed_escaped(tmp_path: Path, expressions: dict) -> None:  # type: ignore[type-arg]
    path = tmp_path / "a\nrefused annotation b.yaml"
    path.write_text("- 1\n", encoding="utf-8")
    assert refusal(path, expressions) == f"{tmp_path}/a\\nrefused annotation b.yaml: expected a mapping, got [1]"


def test_the_error_crosses_between_worker_processes() -> None:
    error = pickle.loads(pickle.dumps(AnnotationError("a.yaml:3", "segments[0]", "expected a mapping, got 1")))
    assert (error.file, error.item, error.reason) == ("a.yaml:3", "segments[0]", "expected a mapping, got 1")
    assert str(error) == "a.yaml:3: segments[0]: expected a mapping, got 1"

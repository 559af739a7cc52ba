"""Stage read, its input rules: only regular files of the data folder are read, their size checked before a bounded read.

The probes that could hang or fill memory if a rule broke (a named pipe, a link to
/dev/zero) run in a subprocess under RLIMIT_AS with a timeout, so a regression
fails the test instead of taking the machine.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from graph_build.text import confine
from graph_build.text.confine import DataFolder, data_folder
from graph_build.text.read import MAX_BYTES_SETTING, ReadError, escaped, listing, max_file_bytes, printable, read, read_bytes, read_limited

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "tests/data/seeds/raw/002_eb9a3bdd4a792803.txt"
MEMORY_LIMIT = 512 * 1024 * 1024  # bytes of address space for a probe: the interpreter and the reader need far less


def limited_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def probe(path: Path) -> subprocess.CompletedProcess[str]:
    """Read a hostile entry with read_bytes in a subprocess under RLIMIT_AS and a timeout; it prints why the file was refused."""
    code = f"""from pathlib import Path
from graph_build.text.read import ReadError, read_bytes
try:
    read_bytes(Path({str(path)!r}))
except ReadError as error:
    print(error.reason)
"""
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT, preexec_fn=limited_memory, env=environment)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A data folder whose raw/ holds one real document and every kind of entry that is no document."""
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    (raw / "good.txt").write_bytes(SEED.read_bytes())
    (raw / "inside-link.txt").symlink_to(raw / "good.txt")
    (raw / "zero.txt").symlink_to("/dev/zero")
    os.mkfifo(raw / "pipe.txt")
    (raw / "folder.txt").mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("机密：不应发布的文本\n", encoding="utf-8")
    (raw / "outside-link.txt").symlink_to(secret)
    (raw / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    (raw / ".hidden.txt").write_text("hidden", encoding="utf-8")
    return tmp_path / "data"


def test_listing_reads_regular_files_and_links_that_stay_inside(data: Path) -> None:
    entries = listing(data / "raw", data)
    assert [p.name for p in entries.files] == ["good.txt", "inside-link.txt"]
    reasons = {p.name: reason for p, reason in entries.skipped}
    assert set(reasons) == {"zero.txt", "pipe.txt", "folder.txt", "outside-link.txt", "dangling.txt"}
    assert reasons["zero.txt"].startswith("symbolic link to /dev/zero, outside the data folder")
    assert reasons["outside-link.txt"].startswith("symbolic link to ") and "secret.txt" in reasons["outside-link.txt"]
    assert reasons["pipe.txt"] == "a named pipe (FIFO), not a regular file: skipped"
    assert reasons["folder.txt"] == "a directory, not a regular file: skipped"
    assert reasons["dangling.txt"].startswith("cannot be followed or read")


def test_a_link_inside_the_data_folder_to_a_device_is_skipped(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "null.txt").symlink_to("/dev/null")
    entries = listing(raw, Path("/"))  # even with the whole disk as the data folder, a device is no file
    assert entries.files == () and entries.skipped[0][1] == "a character device, not a regular file: skipped"


@pytest.mark.parametrize(("entry", "message"), [("pipe.txt", "a named pipe (FIFO), not a regular file"), ("folder.txt", "a directory, not a regular file")])
def test_the_bounded_read_refuses_what_is_no_regular_file_without_blocking(data: Path, entry: str, message: str) -> None:
    with pytest.raises(ReadError, match=rf"{entry}: {message.replace('(', '[(]').replace(')', '[)]')}"):
        read_bytes(data / "raw" / entry)


def test_a_pipe_put_in_place_of_a_file_cannot_hang_the_read(data: Path) -> None:
    done = probe(data / "raw" / "pipe.txt")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "a named pipe (FIFO), not a regular file: not read"


def test_a_link_to_dev_zero_is_refused_under_a_memory_limit(data: Path) -> None:
    # Read directly (as if the listing had been raced): the open file is a device, refused before any byte is read.
    done = probe(data / "raw" / "zero.txt")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "a character device, not a regular file: not read"


def test_a_large_file_is_refused_by_its_size_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with open(big, "wb") as handle:  # sparse: 400 MB that take no disk and, read, would take 400 MB of memory
        handle.truncate(400 * 1024 * 1024)
    done = probe(big)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("file is 419,430,400 bytes, over the limit of 20,971,520 bytes")


def test_the_size_limit_is_a_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = tmp_path / "page.txt"
    page.write_bytes(SEED.read_bytes())
    assert read(page).text
    monkeypatch.setenv(MAX_BYTES_SETTING, "1000")
    assert max_file_bytes() == 1000
    with pytest.raises(ReadError, match=r"page.txt: file is [\d,]+ bytes, over the limit of 1,000 bytes .*GAOXIN_MAX_FILE_BYTES"):
        read(page)
    monkeypatch.setenv(MAX_BYTES_SETTING, "twenty")
    with pytest.raises(ValueError, match="GAOXIN_MAX_FILE_BYTES='twenty': give the largest file size"):
        max_file_bytes()


def test_the_read_stops_at_the_limit_whatever_the_size_said(tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_bytes(b"x" * 100)
    assert len(read_limited(page, 100)) == 100
    with pytest.raises(ReadError, match="over the limit of 99 bytes"):
        read_limited(page, 99)


@pytest.mark.parametrize("name", ["a\nrejected b.txt", "a\x1b[2Jb.txt", "a\u202etxt.exe", "a\u2028b.txt"])
def test_names_with_control_characters_are_refused_and_printed_escaped(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(SEED.read_bytes())
    with pytest.raises(ReadError) as error:
        read_bytes(path)
    assert error.value.reason == "file name holds control characters (a line break, an escape…); rename the file"
    message = str(error.value)
    assert "\n" not in message and "\x1b" not in message and "\u202e" not in message and "\u2028" not in message
    assert printable(path) in message and escaped(name) in message


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("甲\n乙", "甲\\n乙"),
        ("\x1b[31m红", "\\x1b[31m红"),
        ("\x9b2J", "\\x9b2J"),
        ("右\u202e左", "右\\u202e左"),
        ("全角　空格 与 tab\t", "全角　空格 与 tab\\t"),
    ],
)
def test_escaped_keeps_text_and_shows_controls(text: str, shown: str) -> None:
    assert escaped(text) == shown


# ---- hard links, and entries swapped between the listing and the read (issue 13) -----------------------------


def test_a_hard_link_is_skipped_by_the_listing_and_refused_by_the_read(tmp_path: Path) -> None:
    # A second name of a file outside the data folder: we cannot know where the other name is, so its text is never read.
    secret = tmp_path / "secret.txt"
    secret.write_bytes(SEED.read_bytes())
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    os.link(secret, raw / "linked.txt")
    (raw / "copied.txt").write_bytes(SEED.read_bytes())
    entries = listing(raw, tmp_path / "data")
    assert [p.name for p in entries.files] == ["copied.txt"]
    assert entries.skipped == (
        (raw / "linked.txt", "a hard link (2 names for one file; another may be outside the data folder): skipped; copy the file in (cp, not ln)"),
    )
    with pytest.raises(ReadError, match=r"linked.txt: a hard link \(2 names for one file; .*\): not read; copy the file in \(cp, not ln\)"):
        read_bytes(raw / "linked.txt", data_folder(tmp_path / "data"))


def test_a_file_listed_then_swapped_for_a_link_leaving_the_folder_is_not_read(data: Path) -> None:
    good = data / "raw" / "good.txt"
    assert good in listing(data / "raw", data).files
    good.unlink()
    good.symlink_to(data.parent / "secret.txt")  # the swap, after the listing accepted a regular file
    with pytest.raises(ReadError, match="good.txt: leads to .*secret.txt, outside the data folder .*: not followed"):
        read_bytes(good, data_folder(data))


def test_a_folder_listed_then_swapped_for_a_link_leaving_the_folder_is_not_read(data: Path, tmp_path: Path) -> None:
    good, folder = data / "raw" / "good.txt", data_folder(data)  # the build resolves its data folder before the listing
    assert good in listing(data / "raw", data).files
    elsewhere = tmp_path / "elsewhere"
    (data / "raw").rename(elsewhere)
    (elsewhere / "good.txt").write_text("机密：不应发布的文本\n", encoding="utf-8")
    (data / "raw").symlink_to(elsewhere)  # the folder swapped: good.txt now names a file outside the data folder
    with pytest.raises(ReadError, match="good.txt: leads to .*elsewhere/good.txt, outside the data folder"):
        read_bytes(good, folder)


@pytest.mark.parametrize("swapped", ["file", "folder"])
def test_a_swap_after_the_path_is_resolved_is_refused_by_o_nofollow(data: Path, monkeypatch: pytest.MonkeyPatch, swapped: str) -> None:
    # The narrowest race: the path resolved inside the folder, then the entry (or its folder) is swapped before the open.
    good, secret = data / "raw" / "good.txt", data.parent / "secret.txt"
    resolve = confine.inside

    def resolve_then_swap(path: Path, folder: DataFolder) -> tuple[Path, tuple[str, ...]]:
        resolved = resolve(path, folder)
        if swapped == "file":
            good.unlink()
            good.symlink_to(secret)
        else:
            (data / "raw").rename(data.parent / "moved")
            (data / "raw").symlink_to(data.parent / "moved")
        return resolved

    monkeypatch.setattr(confine, "inside", resolve_then_swap)
    with pytest.raises(ReadError, match="good.txt: was replaced by a symbolic link .* after the listing: not followed"):
        read_bytes(good, data_folder(data))


def test_a_link_the_listing_accepted_is_read_at_its_target_inside_the_folder(data: Path) -> None:
    link = data / "raw" / "inside-link.txt"
    assert link in listing(data / "raw", data).files
    assert read_bytes(link, data_folder(data)) == SEED.read_bytes()
    link.unlink()
    link.symlink_to(data.parent / "secret.txt")  # retargeted after the listing
    with pytest.raises(ReadError, match="outside the data folder"):
        read_bytes(link, data_folder(data))


def test_the_data_folder_itself_may_be_reached_through_a_link(data: Path, tmp_path: Path) -> None:
    # --data may name a link (the user chose it); only what lies below the folder is walked without following links.
    (tmp_path / "alias").symlink_to(data)
    assert read_bytes(tmp_path / "alias" / "raw" / "good.txt", data_folder(tmp_path / "alias")) == SEED.read_bytes()


def test_a_listed_folder_that_is_a_link_is_read_through_as_resolved_before_the_listing(tmp_path: Path) -> None:
    # The test seeds' annotations/ is a link to data/annotations: its files are read. Swapped for another link later,
    # the folder resolved before the listing still decides: the new target is outside and refused.
    elsewhere, other = tmp_path / "shared", tmp_path / "other"
    for folder in (elsewhere, other):
        folder.mkdir()
        (folder / "a.yaml").write_text(f"work: {folder.name}\n", encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    (data / "annotations").symlink_to(elsewhere)
    folder = data_folder(data)
    assert folder.roots == (data, elsewhere)
    assert read_bytes(data / "annotations" / "a.yaml", folder) == b"work: shared\n"
    (data / "annotations").unlink()
    (data / "annotations").symlink_to(other)
    with pytest.raises(ReadError, match="a.yaml: leads to .*other/a.yaml, outside the data folder"):
        read_bytes(data / "annotations" / "a.yaml", folder)

"""RSS of a server's process tree from /proc (psutil is not a dependency): every process under a root pid, by role.

Roles for `gaoxin-kg serve`: the gunicorn master, its workers, each worker's
multiprocessing fork server and resource tracker ("helper"), and the query
processes the fork server starts (server/query_process.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

TOLERANCE_FRACTION = 0.15  # RSS after the load may exceed the baseline by this fraction or by TOLERANCE_FLOOR_KB, whichever is larger
TOLERANCE_FLOOR_KB = 30 * 1024
ROLES = ("master", "worker", "forkserver", "query", "helper")


@dataclass
class Memory:
    """RSS samples (kB) per process of the server tree: the role of each pid, and baseline, peak and after."""

    roles: dict[int, str] = field(default_factory=dict)
    baseline: dict[int, int] = field(default_factory=dict)
    peak: dict[int, int] = field(default_factory=dict)
    after: dict[int, int] = field(default_factory=dict)

    def growth_ok(self, pid: int, fraction: float = TOLERANCE_FRACTION, floor_kb: int = TOLERANCE_FLOOR_KB) -> bool:
        """Tell whether a process's RSS after the load is within the tolerance over its baseline."""
        base = self.baseline[pid]
        return self.after[pid] <= base + max(int(base * fraction), floor_kb)

    def lasting(self) -> list[int]:
        """Return the processes sampled both before and after the load, in role order."""
        both = set(self.baseline) & set(self.after)
        return sorted(both, key=lambda pid: (ROLES.index(self.roles[pid]) if self.roles[pid] in ROLES else len(ROLES), pid))


def parents() -> dict[int, int]:
    """Map every process id to its parent's, from /proc/<pid>/stat."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # ended meanwhile
                continue
            found[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return found


def tree(root: int) -> dict[int, str]:
    """Name every process under the server's master: master, worker, forkserver, query, helper."""
    ppid = parents()
    roles = {root: "master"}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid in sorted(p for p, pp in ppid.items() if pp == parent):
            roles[pid] = role(pid, roles[parent])
            frontier.append(pid)
    return roles


def role(pid: int, parent_role: str) -> str:
    """Say what a process of the server tree is, from its parent's role and its command line."""
    if parent_role == "master":
        return "worker"
    if parent_role == "forkserver":
        return "query"
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "gone"
    return "forkserver" if "forkserver" in command else "helper"


def rss_kb(pid: int) -> int | None:
    """Read a process's resident set size in kB from /proc/<pid>/status (None if it has ended)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def sample(root: int, memory: Memory, into: dict[int, int], keep_max: bool = False) -> None:
    """Record the RSS of every process of the server tree now (or its maximum so far)."""
    for pid, name in tree(root).items():
        value = rss_kb(pid)
        if value is None:
            continue
        memory.roles.setdefault(pid, name)
        into[pid] = max(into.get(pid, 0), value) if keep_max else value

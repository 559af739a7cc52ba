"""Confine a query process: no network sockets (a seccomp filter) and a ceiling on its memory (RLIMIT_AS).

pyoxigraph runs ``SERVICE <http://…>`` clauses with its own HTTP client and cannot be
told not to (ENGINE-NOTES), so a text check alone cannot promise that a query never
reaches the network. A query process therefore installs, before it reads any task,
a seccomp filter (Linux ``prctl(PR_SET_SECCOMP)``, unprivileged once
``PR_SET_NO_NEW_PRIVS`` is set; no library needed) that makes ``socket()`` fail with
``EACCES`` for every address family but ``AF_UNIX`` (its pipe to the server is a Unix
socket made before the filter), refuses ``io_uring_setup`` (io_uring can open sockets
without calling ``socket()``), and kills a process that calls the kernel through
another architecture's system-call table. The filter is inherited by every thread
and child and can never be removed. A network namespace would do the same but needs
``CAP_SYS_ADMIN``; the filter needs nothing.

The memory ceiling is ``RLIMIT_AS`` (address space): an allocation beyond it fails and
the Rust engine aborts the process, which the server reports as a query over the
memory limit and replaces.
"""

from __future__ import annotations

import ctypes
import errno
import platform
import resource
import struct

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2

# Classic BPF opcodes (linux/filter.h) and seccomp return values (linux/seccomp.h).
LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
JGE_K = 0x35  # BPF_JMP | BPF_JGE | BPF_K
RET_K = 0x06  # BPF_RET | BPF_K
RET_ALLOW = 0x7FFF0000
RET_ERRNO = 0x00050000
RET_KILL_PROCESS = 0x80000000

# Offsets in struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6].
NR, ARCH, ARG0 = 0, 4, 16
AF_UNIX = 1
M_ARENA_MAX = -8  # mallopt parameter (malloc.h)


# machine → (AUDIT_ARCH_*, socket, io_uring_setup, first number of a foreign ABI or None)
ARCHITECTURES = {
    "x86_64": (0xC000003E, 41, 425, 0x40000000),  # numbers at or above 0x40000000 are the x32 ABI
    "aarch64": (0xC00000B7, 198, 425, None),
}


class SandboxError(RuntimeError):
    """The query process could not be confined; it must not run queries."""


def instruction(code: int, jt: int, jf: int, k: int) -> bytes:
    """Pack one struct sock_filter."""
    return struct.pack("=HBBI", code, jt, jf, k)


def network_filter(machine: str) -> bytes:
    """Return the BPF program that refuses non-Unix sockets and io_uring on `machine` (kills on a foreign ABI)."""
    if machine not in ARCHITECTURES:
        raise SandboxError(f"no seccomp filter for the {machine} architecture: query processes cannot be kept off the network")
    arch, socket_nr, io_uring_nr, foreign = ARCHITECTURES[machine]
    refuse = RET_ERRNO | errno.EACCES
    program = [
        instruction(LD_W_ABS, 0, 0, ARCH),
        instruction(JEQ_K, 1, 0, arch),
        instruction(RET_K, 0, 0, RET_KILL_PROCESS),
        instruction(LD_W_ABS, 0, 0, NR),
        instruction(JGE_K, 0, 1, foreign) if foreign is not None else instruction(JEQ_K, 0, 1, 0xFFFFFFFF),
        instruction(RET_K, 0, 0, refuse),
        instruction(JEQ_K, 0, 1, io_uring_nr),
        instruction(RET_K, 0, 0, refuse),
        instruction(JEQ_K, 1, 0, socket_nr),
        instruction(RET_K, 0, 0, RET_ALLOW),
        instruction(LD_W_ABS, 0, 0, ARG0),  # the address family (low 32 bits of the first argument)
        instruction(JEQ_K, 0, 1, AF_UNIX),
        instruction(RET_K, 0, 0, RET_ALLOW),
        instruction(RET_K, 0, 0, refuse),
    ]
    return b"".join(program)


def forbid_network() -> None:
    """Install the no-network filter on this process and every thread and child it makes from now on."""
    program = network_filter(platform.machine())
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = struct.pack("HxxxxxxQ", len(program) // 8, ctypes.addressof(buffer))  # struct sock_fprog {u16 len; filter *}
    fprog_buffer = ctypes.create_string_buffer(fprog, len(fprog))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise SandboxError(f"prctl(PR_SET_NO_NEW_PRIVS) failed: {errno.errorcode.get(ctypes.get_errno(), '?')}")
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog_buffer), 0, 0) != 0:
        raise SandboxError(f"prctl(PR_SET_SECCOMP) failed: {errno.errorcode.get(ctypes.get_errno(), '?')}")


def limit_memory(limit_bytes: int) -> None:
    """Cap this process's address space at `limit_bytes` (0: no cap), with few malloc arenas so that the cap counts memory used.

    glibc reserves a 64 MB arena for each thread that allocates (up to 8 per core): with
    the engine's threads a query process reserved ~1 GB of address space for ~100 MB in
    use (measured), so RLIMIT_AS would have counted reservations, not memory.
    """
    libc = ctypes.CDLL(None)
    if hasattr(libc, "mallopt"):
        libc.mallopt(M_ARENA_MAX, 2)
    if limit_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))

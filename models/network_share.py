"""Is a ledger file on a network share? (PRODUCT §10)

What offices do before they have a server — the .db file in a shared folder that several PCs open —
corrupts SQLite: its file locks do not hold over SMB/NFS. So a NEW ledger is not created there
(nothing is lost by refusing), and an existing one is opened with a warning that says what to do
instead (copy it to this PC's disk, or to a PostgreSQL server with ``taizhang copy``): refusing a file
the office already keeps its work in would leave them without it.

Detected: Windows UNC paths (``\\\\server\\share\\…``) and mapped network drives (``GetDriveTypeW`` says
DRIVE_REMOTE); on Linux the mount the path lies on (``/proc/self/mountinfo``) with a network file
system type. Other systems, or anything unreadable, count as local: the check only ever warns or
refuses with a reason, it never stands in the way of a disk it cannot judge.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path, PurePath, PureWindowsPath

# Linux file system types that live on another machine. 9p is left out on purpose: WSL 2 shows the
# PC's own Windows drives (/mnt/c) as 9p, and those are local disks.
NETWORK_TYPES = frozenset({
    "cifs", "smb3", "smbfs", "nfs", "nfs4", "ncpfs", "afs", "ceph", "glusterfs", "lustre", "gpfs",
    "davfs", "fuse.sshfs", "fuse.davfs2", "fuse.smbnetfs", "fuse.glusterfs", "fuse.cephfs", "fuse.s3fs",
})
MOUNTINFO = Path("/proc/self/mountinfo")
DRIVE_REMOTE = 4  # GetDriveTypeW


def _unescape(field: str) -> str:
    """mountinfo writes a space in a mount point as \\040 (and tab, newline, backslash likewise)."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def mounts(text: str) -> list[tuple[str, str, str]]:
    """(mount point, file system type, source) of each line of a mountinfo text."""
    found = []
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if sep and len(fields) >= 5 and len(tail) >= 2:
            found.append((_unescape(fields[4]), tail[0], _unescape(tail[1])))
    return found


def _within(path: PurePath, point: str) -> bool:
    return path == PurePath(point) or PurePath(point) in path.parents


def linux_share(path: PurePath, mountinfo: str) -> str | None:
    """The network mount ``path`` lies on ("cifs：//server/share"), or None; the innermost mount wins."""
    best = None
    for point, kind, source in mounts(mountinfo):
        if _within(path, point) and (best is None or len(point) >= len(best[0])):
            best = (point, kind, source)
    if best and best[1] in NETWORK_TYPES:
        return f"{best[1]}：{best[2]}"
    return None


def unc_share(path: str) -> str | None:
    r"""``\\server\share\…`` (or ``\\?\UNC\server\share\…``) → "\\server\share"; a local ``\\?\C:\`` is not."""
    win = PureWindowsPath(path)
    drive = win.drive
    if drive.upper().startswith(("\\\\?\\UNC\\", "\\\\.\\UNC\\")):
        return "\\\\" + drive[8:]
    if drive.startswith("\\\\") and not drive.startswith(("\\\\?\\", "\\\\.\\")):
        return drive
    return None


def _windows_share(path: Path) -> str | None:
    unc = unc_share(str(path))
    if unc:
        return unc
    drive = PureWindowsPath(str(path)).drive
    if len(drive) == 2 and drive[1] == ":":
        import ctypes

        if ctypes.windll.kernel32.GetDriveTypeW(drive + "\\") == DRIVE_REMOTE:  # type: ignore[attr-defined]
            return f"网络驱动器 {drive}"
    return None


def share_of(path: str | os.PathLike[str]) -> str | None:
    """Where on the network ``path`` (a file, existing or to be made) lies, or None for a local disk."""
    try:
        full = Path(path).absolute()
        if sys.platform == "win32":
            return _windows_share(full)
        if MOUNTINFO.is_file():
            # The folder is resolved (symlinks followed): a link on the local disk may point to a share.
            return linux_share(full.parent.resolve() / full.name, MOUNTINFO.read_text(errors="replace"))
    except (OSError, ValueError, AttributeError):
        pass
    return None


ADVICE = ("多台电脑通过共享文件夹同时打开一个台账文件会损坏它（SQLite 的文件锁在网络共享上不可靠）。"
          "请把台账放在本机磁盘上；需要多人共用时，请使用 PostgreSQL 服务器，"
          "用 taizhang copy 把台账复制过去（见 README“在 PostgreSQL 服务器上”一节）。")


def refusal(path: str | os.PathLike[str]) -> str | None:
    """The message refusing to make a NEW ledger at ``path``, or None when the disk is local."""
    share = share_of(path)
    if share is None:
        return None
    return f"「{path}」在网络共享上（{share}），没有在那里新建台账。{ADVICE}"


def warning(path: str | os.PathLike[str]) -> str | None:
    """The warning for opening an EXISTING ledger at ``path``, or None when the disk is local."""
    share = share_of(path)
    if share is None:
        return None
    return (f"台账文件「{path}」在网络共享上（{share}）。{ADVICE}"
            "为避免损坏，请不要在其他电脑上同时打开它。")

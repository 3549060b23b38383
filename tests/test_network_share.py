"""A ledger file on a network share (PRODUCT §10): SQLite's locks do not hold over SMB/NFS, so a new
ledger is not made there, and one the office already keeps there opens with a warning that says what
to do instead. The machine's own mount table is stood in for by a real mountinfo text that puts the
test's folder on a cifs share."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from models import network_share
from taizhang.cli import main
from tui import make_app
from tui.testing import demo_copy, settle

LOCAL_ROOT = "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"


def _mountinfo(share_point: str, kind: str = "cifs", source: str = "//fileserver/办公室") -> str:
    escaped = share_point.replace(" ", "\\040")
    return LOCAL_ROOT + f"97 22 0:52 / {escaped} rw,relatime shared:60 - {kind} {source} rw,vers=3.0\n"


@pytest.fixture
def share(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder that the mount table says is //fileserver/办公室 mounted over cifs."""
    folder = tmp_path / "共享 文件夹"
    folder.mkdir()
    table = tmp_path / "mountinfo"
    table.write_text(_mountinfo(str(folder.resolve())), encoding="utf-8")
    monkeypatch.setattr(network_share, "MOUNTINFO", table)
    return folder


def test_the_mount_a_path_lies_on_decides_and_the_innermost_mount_wins():
    table = (LOCAL_ROOT + _mountinfo("/mnt/office share")
             + "98 97 0:53 / /mnt/office\\040share/local rw - ext4 /dev/sdb1 rw\n"
             + "99 22 0:54 / /mnt/c rw - 9p drvfs rw,aname=drvfs\n"
             + "100 22 0:55 / /srv/nfs rw - nfs4 nas:/export rw\n")
    assert network_share.linux_share(PurePosixPath("/mnt/office share/台账.db"), table) == "cifs：//fileserver/办公室"
    assert network_share.linux_share(PurePosixPath("/mnt/office share/local/台账.db"), table) is None
    assert network_share.linux_share(PurePosixPath("/mnt/office sharex/台账.db"), table) is None
    assert network_share.linux_share(PurePosixPath("/mnt/c/Users/台账.db"), table) is None  # WSL's own disk
    assert network_share.linux_share(PurePosixPath("/srv/nfs/a/b.db"), table) == "nfs4：nas:/export"
    assert network_share.linux_share(PurePosixPath("/home/office/台账.db"), table) is None


def test_windows_unc_paths_are_shares_and_long_local_paths_are_not():
    assert network_share.unc_share(r"\\fileserver\办公室\台账.db") == r"\\fileserver\办公室"
    assert network_share.unc_share(r"\\?\UNC\fileserver\办公室\台账.db") == r"\\fileserver\办公室"
    assert network_share.unc_share(r"\\?\C:\Users\台账.db") is None
    assert network_share.unc_share(r"C:\Users\台账.db") is None
    assert network_share.unc_share("/home/office/台账.db") is None


def test_a_new_ledger_is_not_made_on_a_share(share: Path, capsys):
    path = share / "台账.db"
    assert main(["--db", str(path), "export", str(share.parent / "out.json")]) == 1
    err = capsys.readouterr().err
    assert "网络共享上（cifs：//fileserver/办公室），没有在那里新建台账" in err
    assert "PostgreSQL" in err and "taizhang copy" in err
    assert sorted(p.name for p in share.iterdir()) == []  # no file, no -wal, nothing


def test_a_ledger_already_on_a_share_opens_with_the_warning(share: Path, capsys):
    path = demo_copy(share)
    assert main(["--db", str(path), "export", str(share.parent / "out.json")]) == 0
    err = capsys.readouterr().err
    assert f"注意：台账文件「{path}」在网络共享上（cifs：//fileserver/办公室）" in err
    assert "请不要在其他电脑上同时打开它" in err
    assert (share.parent / "out.json").stat().st_size > 0


def test_a_local_ledger_says_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    table = tmp_path / "mountinfo"
    table.write_text(_mountinfo("/mnt/elsewhere"), encoding="utf-8")
    monkeypatch.setattr(network_share, "MOUNTINFO", table)
    path = demo_copy(tmp_path)
    assert main(["--db", str(path), "export", str(tmp_path / "out.json")]) == 0
    assert "网络共享" not in capsys.readouterr().err


async def test_the_window_warns_when_its_ledger_is_on_a_share(share: Path):
    app = make_app(demo_copy(share))
    async with app.run_test(size=(120, 36)) as pilot:
        for _ in range(100):
            await settle(pilot)
            notices = [n for n in app._notifications if n.title == "台账在网络共享上"]
            if notices:
                break
        assert notices and notices[0].severity == "warning"
        assert "cifs：//fileserver/办公室" in str(notices[0].message)
        assert app.reader is not None  # opened all the same: the office's work stays reachable

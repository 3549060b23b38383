"""The offline install bundle (python -m taizhang.bundle), built for real and installed with the network cut off.

These tests download wheels from the package index (PyPI): about 15 MB for each of the two bundles, shared
through pip's own cache within a run (and across runs where the cache survives). Each bundle is built once
per session. If the index cannot be reached the tests FAIL, saying so — they never skip.

The install runs in a network namespace (`unshare -n`, or `unshare -rn` for an unprivileged user) when this
machine allows it; the installer itself always runs pip with --no-index and no pip configuration.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from packaging import tags
from packaging.utils import canonicalize_name, parse_wheel_filename

from taizhang import __version__, bundle, bundle_install

ROOT = Path(__file__).resolve().parents[1]
HERE_PYTHON = f"{sys.version_info[0]}.{sys.version_info[1]}"
WINDOWS_PYTHON = "3.12"  # not this interpreter's version: the bundle is for another machine
SERVER_EXTRA = 'server = ["six==1.17.0"]'  # a stand-in for the PostgreSQL driver: small, pure, not a dependency


def _copy_project(dest: Path, *, extra_lines: str = "") -> Path:
    """The project's packages and pyproject.toml, with lines added to [project.optional-dependencies]."""
    dest.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, dest / name)
    for top in ("taizhang", "models", "importers", "exporters", "tui", "sample_data", "benchmarks"):
        shutil.copytree(ROOT / top, dest / top, ignore=shutil.ignore_patterns("__pycache__"))
    if extra_lines:
        pyproject = dest / "pyproject.toml"
        text = pyproject.read_text(encoding="utf-8")
        assert "[project.optional-dependencies]\n" in text
        pyproject.write_text(text.replace("[project.optional-dependencies]\n",
                                          f"[project.optional-dependencies]\n{extra_lines}\n"), encoding="utf-8")
    return dest


def _build(outdir: Path, platform: str, python: str, root: Path) -> list[str]:
    said: list[str] = []
    try:
        bundle.build(outdir, platform, python, root=root, say=said.append)
    except bundle.BundleError as exc:
        pytest.fail(f"制作 {platform} 安装包失败（这些测试需要能访问 PyPI）：{exc}", pytrace=False)
    return said


@pytest.fixture(scope="session")
def windows_build(tmp_path_factory) -> tuple[Path, subprocess.Popen]:
    """The Windows bundle, made through the command line from the project as it is — started early, in the
    background, so its downloads overlap the Linux bundle's build and install."""
    out = tmp_path_factory.mktemp("bundle") / "Windows 安装包"
    process = subprocess.Popen([sys.executable, "-m", "taizhang.bundle", str(out), "--platform", "win_amd64",
                                "--python", WINDOWS_PYTHON], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, cwd=ROOT)
    yield out, process
    if process.poll() is None:
        process.kill()
        process.communicate()


@pytest.fixture(scope="session")
def linux_bundle(tmp_path_factory, windows_build) -> Path:
    """The Linux bundle for this Python, from the project plus a `server` extra, in a folder with Chinese and spaces."""
    base = tmp_path_factory.mktemp("bundle")
    root = _copy_project(base / "源码", extra_lines=SERVER_EXTRA)
    out = base / "U盘 台账" / "taizhang 安装包"
    _build(out, "manylinux", HERE_PYTHON, root)
    return out


@pytest.fixture(scope="session")
def windows_bundle(windows_build) -> tuple[Path, str]:
    out, process = windows_build
    try:
        stdout, stderr = process.communicate(timeout=600)
    except subprocess.TimeoutExpired:
        pytest.fail("制作 Windows 安装包超过 10 分钟没有结束。", pytrace=False)
    if process.returncode != 0:
        pytest.fail(f"制作 Windows 安装包失败（这些测试需要能访问 PyPI）：\n{stderr}", pytrace=False)
    return out, stdout


def _network_cut() -> list[str]:
    """A command prefix that runs its command with no network, if this machine lets us make one."""
    for prefix in (["unshare", "-n"], ["unshare", "-rn"]):
        try:
            if subprocess.run([*prefix, "true"], capture_output=True, timeout=10).returncode == 0:
                return prefix
        except (OSError, subprocess.TimeoutExpired):
            pass
    return []


def _offline(command: list[str], home: Path, **extra: str) -> subprocess.CompletedProcess:
    """Run as a fresh user (HOME with Chinese and a space) with the network cut and a pip set up to use an index."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LANG": "C.UTF-8",
           "PYTHON": sys.executable, "TAIZHANG_TODAY": "2026-11-20",
           # everything that would let pip reach beyond the bundle: the installer must ignore it all
           "PIP_INDEX_URL": "http://127.0.0.1:9/simple/", "PIP_FIND_LINKS": str(ROOT), **extra}
    # run from a folder holding another `taizhang` package (as the source checkout does): it must not be picked up
    trap = home.parent / "其他 taizhang"
    if not trap.exists():
        (trap / "taizhang").mkdir(parents=True)
        (trap / "taizhang" / "__init__.py").write_text("raise SystemExit('the taizhang of the current folder')\n")
    return subprocess.run([*_network_cut(), *command], capture_output=True, text=True, env=env, cwd=trap, timeout=300)


def _tasks(ledger: Path) -> int:
    conn = sqlite3.connect(ledger)
    try:
        return conn.execute("SELECT count(*) FROM task").fetchone()[0]
    finally:
        conn.close()


def test_the_linux_bundle_installs_offline_runs_the_demo_and_a_newer_install_keeps_the_ledger(linux_bundle, tmp_path):
    home = tmp_path / "用户 张三"
    home.mkdir()
    program = home / ".local" / "share" / "taizhang-app"
    ledger = home / ".local" / "share" / "taizhang" / "taizhang.db"
    manifest = json.loads((linux_bundle / "bundle.json").read_text(encoding="utf-8"))
    assert (manifest["platform"], manifest["python"], manifest["extras"]) == ("manylinux", HERE_PYTHON, ["server"])

    installed = _offline(["sh", str(linux_bundle / "install.sh")], home)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert "安装完成：taizhang " + __version__ in installed.stdout
    assert f"台账文件：{ledger}（第一次打开时创建）" in installed.stdout
    assert "未安装的可选组件：server" in installed.stdout
    pip_log = (program / "install.log").read_text(encoding="utf-8")
    assert f"Looking in links: {linux_bundle / 'wheels'}" in pip_log  # the bundle's folder, and nothing else:
    assert not re.search(r"Retrying|NewConnectionError|Looking in indexes|https?://", pip_log), pip_log
    # the program is the bundle's copy in its own environment, not this checkout; the extra is not installed
    where = subprocess.run([str(program / "bin" / "python"), "-P", "-c", "import taizhang, importlib.util as u;"
                            "print(taizhang.__file__); print(u.find_spec('six') is None)"],  # -P as the launchers
                           capture_output=True, text=True, env={"HOME": str(home)}, cwd=home.parent / "其他 taizhang")
    assert where.stdout.splitlines() == [str(program / "lib" / f"python{HERE_PYTHON}" / "site-packages" / "taizhang"
                                             / "__init__.py"), "True"], where.stderr

    version = _offline(["sh", str(linux_bundle / "taizhang.sh"), "--version"], home)
    assert (version.returncode, version.stdout.strip()) == (0, f"taizhang {__version__}"), version.stderr
    demo = _offline(["sh", str(linux_bundle / "taizhang.sh"), "demo", "--no-tui"], home)
    assert demo.returncode == 0, demo.stderr
    assert "Traceback" not in demo.stderr and "新增" in demo.stdout
    tasks = _tasks(ledger)
    assert tasks > 50
    before = hashlib.sha256(ledger.read_bytes()).hexdigest()

    # a newer bundle's installer over it (the same one here), now with the optional extra: the ledger is kept
    again = _offline(["sh", str(linux_bundle / "install.sh"), "--with", "server"], home)
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"台账文件：{ledger}（已有，保留不变）" in again.stdout and "已安装可选组件：server" in again.stdout
    assert hashlib.sha256(ledger.read_bytes()).hexdigest() == before
    extra = subprocess.run([str(program / "bin" / "python"), "-c", "import six"], capture_output=True)
    assert extra.returncode == 0
    dump = tmp_path / "导出 数据.json"
    reopened = _offline(["sh", str(program / "taizhang.sh"), "export", str(dump)], home)  # the program's own starter
    assert reopened.returncode == 0, reopened.stderr
    groups = json.loads(dump.read_text(encoding="utf-8"))["groups"]
    assert sum(len(group["tasks"]) for group in groups) == tasks


def test_the_installer_refuses_a_folder_that_is_not_an_earlier_installation(linux_bundle, tmp_path):
    home = tmp_path / "home"
    documents = home / "我的 文档"
    documents.mkdir(parents=True)
    (documents / "通知.docx").write_bytes(b"keep me")
    result = _offline(["sh", str(linux_bundle / "install.sh"), "--to", str(documents)], home)
    assert result.returncode == 1
    assert f"文件夹 {documents} 中已有其他文件" in result.stderr and "Traceback" not in result.stderr
    assert [p.name for p in documents.iterdir()] == ["通知.docx"]


def test_the_installer_names_an_extra_the_bundle_does_not_carry(linux_bundle, tmp_path):
    result = _offline(["sh", str(linux_bundle / "install.sh"), "--with", "postgres"], tmp_path)
    assert result.returncode == 1
    assert "安装包中没有可选组件 postgres。这个安装包带有的可选组件：server。" in result.stderr
    assert not (tmp_path / ".local").exists()


def _supported_tags(python: str, platform: str) -> set[tags.Tag]:
    version = tuple(int(part) for part in python.split("."))
    return {*tags.cpython_tags(version, platforms=[platform]), *tags.compatible_tags(version, platforms=[platform])}


def test_the_windows_bundle_holds_a_wheel_for_every_dependency(windows_bundle, tmp_path):
    out, said = windows_bundle
    assert f"离线安装包已写到 {out}" in said
    wheels = sorted((out / "wheels").iterdir())
    assert wheels and all(path.suffix == ".whl" for path in wheels), [p.name for p in wheels]  # no sdists
    supported = _supported_tags(WINDOWS_PYTHON, "win_amd64")
    for path in wheels:
        assert parse_wheel_filename(path.name)[3] & supported, f"{path.name} 不能装在 Windows、Python {WINDOWS_PYTHON} 上"
    manifest = json.loads((out / "bundle.json").read_text(encoding="utf-8"))
    assert (manifest["platform"], manifest["python"], manifest["version"]) == ("win_amd64", WINDOWS_PYTHON, __version__)
    assert manifest["wheels"] == [path.name for path in wheels]
    assert manifest["extras"] == []  # the `test` extra is for developers and is not carried

    # pip, for Windows and that Python, from this folder alone, finds all of taizhang's dependencies — and
    # every wheel in the folder is one of them (nothing missing, nothing extra)
    report = tmp_path / "report.json"
    env = {key: value for key, value in os.environ.items() if not key.startswith("PIP_")}
    resolved = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--no-index", "--find-links",
         str(out / "wheels"), "--only-binary=:all:", "--platform", "win_amd64", "--python-version", WINDOWS_PYTHON,
         "--target", str(tmp_path / "target"), "--report", str(report), f"taizhang=={__version__}"],
        capture_output=True, text=True, env={**env, "PIP_CONFIG_FILE": os.devnull}, timeout=120)
    assert resolved.returncode == 0, resolved.stderr
    planned = {canonicalize_name(item["metadata"]["name"])
               for item in json.loads(report.read_text(encoding="utf-8"))["install"]}
    assert planned == {canonicalize_name(parse_wheel_filename(path.name)[0]) for path in wheels}
    required = {canonicalize_name(re.split(r"[=<>!~\[ ;]", req)[0]) for req in bundle.read_project(ROOT).dependencies}
    assert required <= planned


def _batch_lines(path: Path) -> list[str]:
    raw = path.read_bytes()
    assert raw.count(b"\n") == raw.count(b"\r\n") > 0, f"{path.name}: cmd needs CRLF line ends"
    lines = raw.decode("utf-8").split("\r\n")
    assert lines[:2] == ["@echo off", "chcp 65001 >nul"]  # UTF-8 before any Chinese text is read
    return [line for line in lines if line.strip() and not line.lower().startswith("rem ")]


def test_the_windows_scripts_refer_only_to_files_in_the_folder_and_the_program_folder(windows_bundle, monkeypatch):
    out, _ = windows_bundle
    install = _batch_lines(out / "install.bat")
    text = "\n".join(install)
    used = re.findall(r'"%~dp0([^"]+)"', text)
    assert used == ["install.py"] and (out / "install.py").is_file()
    assert "%~dp0" not in re.sub(r'"%~dp0[^"]+"', "", text)  # every reference to the folder is a quoted file in it
    assert not re.search(r"[A-Za-z]:\\|https?:|index-url|\\\\", text), text  # no other place, no index
    assert f"py -{WINDOWS_PYTHON} " in text and f"({WINDOWS_PYTHON.replace('.', ', ')})" in text
    # the installer it runs installs from the folder's wheels alone (the Linux test runs the same file offline)
    assert (out / "install.py").read_bytes() == Path(bundle_install.__file__).read_bytes()

    # taizhang.bat starts the Python of the folder the installer fills on Windows
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", r"C:\Users\张 三\AppData\Local")
    program = bundle_install.default_program_folder()
    assert program == Path(r"C:\Users\张 三\AppData\Local") / "Programs" / "taizhang"
    start = "\n".join(_batch_lines(out / "taizhang.bat"))
    assert r'set "TZPY=%LOCALAPPDATA%\Programs\taizhang\Scripts\python.exe"' in start
    assert '"%TZPY%" -P -m taizhang %*' in start


def test_the_windows_instructions_say_which_python_where_the_data_is_and_give_a_terminal_profile(windows_bundle):
    out, _ = windows_bundle
    raw = (out / "安装说明.txt").read_bytes()
    assert raw.startswith("\ufeff".encode("utf-8")) and raw.count(b"\n") == raw.count(b"\r\n")  # Notepad-friendly
    text = raw.decode("utf-8-sig").replace("\r\n", "\n")
    assert f"Python {WINDOWS_PYTHON}（64 位）" in text and "install.bat" in text
    assert r"%LOCALAPPDATA%\taizhang\taizhang.db" in text and r"%LOCALAPPDATA%\Programs\taizhang" in text
    assert "backups" in text and "taizhang backup" in text and "台账文件不动" in text
    assert "install.bat --with server" in text  # the server driver: carried once it exists, installed when asked
    profile = json.loads(re.search(r"^ {8}\{\n.*?^ {8}\}", text, re.S | re.M).group(0))
    assert profile["commandline"] == r'"%LOCALAPPDATA%\Programs\taizhang\Scripts\python.exe" -P -m taizhang'
    assert "Cascadia Mono" in profile["font"]["face"] and 12 <= profile["font"]["size"] <= 16
    assert 'wt.exe --size 120,36 -p "工作台账 taizhang"' in text and profile["name"] == "工作台账 taizhang"


def test_a_dependency_without_a_wheel_is_named_and_no_bundle_is_written(tmp_path):
    root = tmp_path / "项目"
    (root / "taizhang").mkdir(parents=True)
    shutil.copy2(ROOT / "taizhang" / "__init__.py", root / "taizhang" / "__init__.py")
    (root / "pyproject.toml").write_text('[project]\nname = "taizhang"\ndynamic = ["version"]\n'
                                         'dependencies = ["defusedxml==0.7.1", "odfpy==1.4.1"]\n', encoding="utf-8")
    out = tmp_path / "安装包"
    with pytest.raises(bundle.BundleError) as caught:
        bundle.build(out, "win_amd64", "3.11", root=root, say=lambda line: None)
    assert "依赖 odfpy==1.4.1 没有适用于 Windows（64 位）、Python 3.11 的 wheel 安装包" in str(caught.value)
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["项目"]  # nothing left behind


def test_an_unreachable_index_is_said_plainly(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL="http://127.0.0.1:9/simple/", PIP_RETRIES="0")
    out = tmp_path / "安装包"
    result = subprocess.run([sys.executable, "-m", "taizhang.bundle", str(out)], capture_output=True, text=True,
                            env=env, cwd=ROOT, timeout=120)
    assert result.returncode == 1
    assert "无法连接软件包索引" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


def test_a_folder_holding_other_files_is_not_used(tmp_path):
    out = tmp_path / "文件"
    out.mkdir()
    (out / "报表.xlsx").write_bytes(b"x")
    result = subprocess.run([sys.executable, "-m", "taizhang.bundle", str(out)], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert result.returncode == 1 and "不是空的，也不是以前制作的安装包" in result.stderr
    assert [p.name for p in out.iterdir()] == ["报表.xlsx"]


def test_the_installer_says_which_python_and_which_computer_the_bundle_is_for():
    here = bundle_install.this_platform()
    assert here is not None  # this machine is one the bundle can be made for
    with pytest.raises(bundle_install.InstallError) as caught:
        bundle_install.check_target({"python": "3.99", "platform": here, "wheels": []})
    assert f"这个安装包需要 Python 3.99（64 位），现在运行的是 Python {HERE_PYTHON}" in str(caught.value)
    other = "macos" if here != "macos" else "win_amd64"
    with pytest.raises(bundle_install.InstallError) as caught:
        bundle_install.check_target({"python": HERE_PYTHON, "platform": other, "wheels": []})
    assert f"这个安装包是为 {bundle_install.PLATFORM_NAMES[other]} 制作的，不能在这台电脑" in str(caught.value)

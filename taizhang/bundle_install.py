"""The installer inside an offline bundle (copied there as install.py; install.bat / install.sh run it).

Standard library only: it runs with the office PC's own Python before anything is installed. It creates
(or replaces) a virtual environment in the per-user program folder and installs taizhang from the
bundle's wheels/ folder alone (pip --no-index, no pip configuration, no cache): nothing outside the
bundle folder is read and no network is used. pip's output is kept in install.log in the program folder. The ledger lives elsewhere (the user data folder) and is
never touched, so running a newer bundle's installer updates the program and keeps the data.

    python install.py [--to FOLDER] [--with EXTRA ...]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROGRAM_FOLDER_NAME = {"win32": "taizhang", "other": "taizhang-app"}
PLATFORM_NAMES = {"win_amd64": "Windows（64 位）", "manylinux": "Linux（x86-64）",
                  "manylinux_aarch64": "Linux（ARM64）", "macos": "macOS（Apple 芯片）"}


class InstallError(Exception):
    """Something the person installing can fix; the message says what."""


def default_program_folder() -> Path:
    """Where the program goes: the per-user programs folder, never the data folder."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "Programs" / PROGRAM_FOLDER_NAME["win32"]
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / PROGRAM_FOLDER_NAME["other"]
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / PROGRAM_FOLDER_NAME["other"]


def this_platform() -> str | None:
    machine = platform.machine().lower()
    if sys.platform == "win32":
        return "win_amd64" if machine in ("amd64", "x86_64") and sys.maxsize > 2**32 else None
    if sys.platform.startswith("linux"):
        return {"x86_64": "manylinux", "amd64": "manylinux", "aarch64": "manylinux_aarch64",
                "arm64": "manylinux_aarch64"}.get(machine)
    if sys.platform == "darwin":
        return "macos" if machine == "arm64" else None
    return None


def read_manifest() -> dict:
    try:
        return json.loads((HERE / "bundle.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise InstallError(f"安装包不完整：{HERE} 中没有可读的 bundle.json。请重新复制整个安装包文件夹。") from None


def check_target(manifest: dict) -> None:
    want_python, want_platform = manifest["python"], manifest["platform"]
    have_python = f"{sys.version_info[0]}.{sys.version_info[1]}"
    where = PLATFORM_NAMES.get(want_platform, want_platform)
    if sys.platform == "win32" and want_platform == "win_amd64" and sys.maxsize <= 2**32:
        raise InstallError(f"现在运行的是 32 位的 Python（{sys.executable}），这个安装包需要 64 位的 Python {want_python}。")
    if this_platform() != want_platform:
        raise InstallError(f"这个安装包是为 {where} 制作的，不能在这台电脑（{platform.system()} {platform.machine()}）上安装。"
                           f"请用 python -m taizhang.bundle --platform 制作适合这台电脑的安装包。")
    if have_python != want_python:
        raise InstallError(f"这个安装包需要 Python {want_python}（64 位），现在运行的是 Python {have_python}"
                           f"（{sys.executable}）。请先安装 Python {want_python}，再运行安装程序。")
    missing = [name for name in manifest["wheels"] if not (HERE / "wheels" / name).is_file()]
    if missing:
        raise InstallError("安装包不完整，wheels 文件夹中缺少：" + "、".join(missing) + "。请重新复制整个安装包文件夹。")


def check_program_folder(folder: Path) -> None:
    """Only an empty folder or an earlier installation may be (re)used: the folder is emptied."""
    if Path(sys.prefix).resolve() == folder.resolve():
        raise InstallError(f"请用系统中安装的 Python 运行安装程序，而不是 {folder} 中的 Python。")
    if folder.exists() and not folder.is_dir():
        raise InstallError(f"{folder} 是一个文件，不能安装到这里。")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / "pyvenv.cfg").is_file():
        raise InstallError(f"文件夹 {folder} 中已有其他文件，不是以前安装的 taizhang。"
                           f"安装时会清空程序文件夹，为安全起见没有安装；请用 --to 另选一个空文件夹。")


def clean_environment() -> dict[str, str]:
    """No pip configuration, index or cache from this machine: only the bundle folder is used."""
    env = {key: value for key, value in os.environ.items() if not key.upper().startswith(("PIP_", "PYTHON"))}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PYTHONUTF8"] = "1"
    return env


def venv_python(folder: Path) -> Path:
    return folder / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def run(command: list[str], what: str, env: dict[str, str], log: Path | None = None) -> str:
    result = subprocess.run(command, env=env, capture_output=True, text=True, encoding="utf-8", errors="replace")
    if log is not None:  # pip's own account, for whoever looks after the PC
        with log.open("a", encoding="utf-8") as out:
            out.write(f"$ {subprocess.list2cmdline(command)}\n{result.stdout}{result.stderr}\n")
    if result.returncode != 0:
        detail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-12:])
        raise InstallError(f"{what}没有成功：\n{detail}")
    return result.stdout


def write_launcher(folder: Path) -> Path:
    """A starter inside the program folder itself (relative to it, so it works wherever that is)."""
    if sys.platform == "win32":
        launcher = folder / "taizhang.bat"
        text = ('@echo off\r\nchcp 65001 >nul\r\ntitle 工作台账 taizhang\r\n'
                '"%~dp0Scripts\\python.exe" -P -m taizhang %*\r\n'
                'if errorlevel 1 pause\r\n')
        launcher.write_bytes(text.encode("utf-8"))
    else:
        launcher = folder / "taizhang.sh"
        launcher.write_text('#!/bin/sh\nexec "$(dirname "$0")/bin/python" -P -m taizhang "$@"\n', encoding="utf-8")
        launcher.chmod(0o755)
    return launcher


def install(folder: Path, extras: list[str]) -> None:
    manifest = read_manifest()
    check_target(manifest)
    unknown = [name for name in extras if name not in manifest["extras"]]
    if unknown:
        offered = "、".join(manifest["extras"]) or "（无）"
        raise InstallError(f"安装包中没有可选组件 {'、'.join(unknown)}。这个安装包带有的可选组件：{offered}。")
    check_program_folder(folder)
    env = clean_environment()
    print(f"安装 taizhang {manifest['version']} 到 {folder}")
    print("（台账数据不在这个文件夹中，重新安装或更新不会改动台账。）")
    print("正在创建 Python 虚拟环境……", flush=True)
    try:
        run([sys.executable, "-m", "venv", "--clear", str(folder)], "创建虚拟环境", env)
    except InstallError as exc:
        raise InstallError(f"{exc}\n如果 taizhang 正在运行，请先关闭它的所有窗口，再重新运行安装程序。") from None
    requirement = "taizhang" + (f"[{','.join(extras)}]" if extras else "") + f"=={manifest['version']}"
    print(f"正在从安装包中安装 {requirement}（不联网）……", flush=True)
    python = str(venv_python(folder))
    run([python, "-m", "pip", "install", "--isolated", "--no-index", "--no-cache-dir", "--disable-pip-version-check",
         "--find-links", str(HERE / "wheels"), requirement], "安装", env, log=folder / "install.log")
    version = run([python, "-P", "-m", "taizhang", "--version"], "检查安装结果", env).strip()
    ledger = run([python, "-P", "-c", "from taizhang.cli import default_db_path; print(default_db_path())"],
                 "查找台账位置", env).strip()
    launcher = write_launcher(folder)
    print(f"\n安装完成：{version}")
    starter = "双击安装包中的 taizhang.bat" if sys.platform == "win32" else "运行安装包中的 taizhang.sh"
    print(f"启动：{starter}，或运行 {launcher}")
    state = "（已有，保留不变）" if Path(ledger).exists() else "（第一次打开时创建）"
    print(f"台账文件：{ledger}{state}")
    if extras:
        print("已安装可选组件：" + "、".join(extras))
    elif manifest["extras"]:
        print("未安装的可选组件：" + "、".join(manifest["extras"]) + "（需要时用 --with 名称 安装）")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="install", description="从离线安装包安装 taizhang（不联网）。")
    parser.add_argument("--to", metavar="FOLDER", help=f"程序文件夹（默认 {default_program_folder()}）")
    parser.add_argument("--with", dest="extras", action="append", default=[], metavar="EXTRA",
                        help="同时安装的可选组件（安装包中带有的，见 bundle.json 中的 extras）")
    args = parser.parse_args(argv)
    folder = Path(args.to).expanduser().absolute() if args.to else default_program_folder()
    try:
        install(folder, args.extras)
    except InstallError as exc:
        print(f"\n安装失败：{exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\n安装已中断。重新运行安装程序即可。", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

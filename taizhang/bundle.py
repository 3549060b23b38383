"""An offline install bundle: everything an office PC without internet needs to install taizhang.

    python -m taizhang.bundle OUTDIR [--platform win_amd64|manylinux|manylinux_aarch64|macos] [--python 3.11|3.12|3.13]

Run on a machine that can reach the package index, in a source checkout. OUTDIR gets the project's own
wheel and every dependency as a wheel for the target platform and Python (the pinned versions of
pyproject.toml, resolved by `pip download --only-binary=:all:` for that target; a dependency without a
wheel is named in a Chinese message and no bundle is written), the optional extras of pyproject.toml
except the developers' own (`test`): carried, installed only when asked (`install.bat --with server`);
install.py with install.bat / install.sh, taizhang.bat / taizhang.sh, bundle.json and 安装说明.txt.

Before it is written the bundle checks itself: pip resolves taizhang and every extra for the target from
the wheels folder alone (--no-index). Exit status 0, 1 (a Chinese paragraph on stderr), 2 (usage).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from taizhang import bundle_texts

PYTHONS = ("3.11", "3.12", "3.13")
DEVELOPER_EXTRAS = frozenset({"test"})  # extras an office never installs (pytest and friends; odfpy has no wheel)
ROOT = Path(__file__).resolve().parents[1]


def _manylinux(arch: str) -> tuple[str, ...]:
    """glibc 2.28 and older tags: such wheels run on 麒麟 V10, 统信 UOS 20, RHEL 8 and later."""
    return tuple(f"manylinux_2_{minor}_{arch}" for minor in range(28, 16, -1)) + (f"manylinux2014_{arch}",)


@dataclass(frozen=True)
class Target:
    name: str  # in Chinese, for messages and the 说明
    pip_platforms: tuple[str, ...]
    windows: bool = False


TARGETS = {
    "win_amd64": Target("Windows（64 位）", ("win_amd64",), windows=True),
    "manylinux": Target("Linux（x86-64）", _manylinux("x86_64")),
    "manylinux_aarch64": Target("Linux（ARM64）", _manylinux("aarch64")),
    "macos": Target("macOS（Apple 芯片）", ("macosx_13_0_arm64",)),  # pip adds the older macOS versions
}

_NETWORK_SIGNS = ("NewConnectionError", "Failed to establish a new connection", "Max retries exceeded",
                  "ConnectTimeout", "ReadTimeout", "Temporary failure in name resolution", "Name or service not known",
                  "ProxyError", "SSLError", "getaddrinfo failed", "Network is unreachable", "Connection refused")


class BundleError(Exception):
    """The bundle cannot be made; the message says why in Chinese."""


@dataclass(frozen=True)
class Project:
    root: Path
    version: str
    dependencies: tuple[str, ...]
    extras: dict[str, tuple[str, ...]]  # the optional extras the bundle carries (developer extras left out)


def read_project(root: Path) -> Project:
    try:
        data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
        init = (root / "taizhang" / "__init__.py").read_text(encoding="utf-8")
    except (OSError, tomllib.TOMLDecodeError):
        raise BundleError(f"{root} 不是 taizhang 的源代码目录（没有可读的 pyproject.toml）。"
                          "请在 taizhang 的源代码目录中安装（pip install -e .）后再制作安装包。") from None
    project = data.get("project", {})
    found = re.search(r'^__version__\s*=\s*"([^"]+)"', init, re.M)
    if project.get("name") != "taizhang" or not found:
        raise BundleError(f"{root} 中的 pyproject.toml 不是 taizhang 的。")
    extras = {name: tuple(reqs) for name, reqs in project.get("optional-dependencies", {}).items()
              if name not in DEVELOPER_EXTRAS}
    return Project(root, found.group(1), tuple(project.get("dependencies", ())), extras)


def _pip(args: list[str], *, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args], capture_output=True,
                          text=True, encoding="utf-8", errors="replace", env=env)


def _tail(output: str, lines: int = 8) -> str:
    return "\n".join(line for line in output.strip().splitlines()[-lines:])


def _network_failed(output: str) -> bool:
    return any(sign in output for sign in _NETWORK_SIGNS) or "connection error" in output


def _explain_pip_failure(output: str, doing: str, target: Target | None = None, python: str = "") -> BundleError:
    missing = re.findall(r"No matching distribution found for (\S+)", output)
    if missing and target is not None and not _network_failed(output):
        # "from versions: none" is also all pip says when the index cannot be reached (with few retries):
        # ask again for the first one alone, verbosely, to tell the two apart.
        with tempfile.TemporaryDirectory(prefix="taizhang-probe-") as tmp:
            probe = _pip(["download", "-vv", "--no-deps", "--dest", tmp, *_target_args(target, python), missing[0]])
        output += probe.stdout + probe.stderr
    if _network_failed(output):
        return BundleError(f"{doing}时无法连接软件包索引（PyPI 或 pip 配置的镜像）。制作离线安装包的电脑需要能访问它；"
                           f"请检查网络或 pip 的代理、镜像设置后再试。没有写出安装包。")
    if missing and target is not None:
        named = []
        for spec in missing:
            parent = re.search(rf"Collecting {re.escape(spec)}.*?\(from ([^)]+)\)", output)
            named.append(spec + (f"（{parent.group(1).split('->')[-1]} 需要它）" if parent else ""))
        return BundleError(f"依赖 {'、'.join(named)} 没有适用于 {target.name}、Python {python} 的 wheel 安装包"
                           f"（软件包索引上只有源代码包，或没有这个版本），不能放入离线安装包，没有写出安装包。"
                           f"可以换一个 Python 版本（--python）再试。")
    return BundleError(f"{doing}没有成功，没有写出安装包。pip 的输出：\n{_tail(output)}")


def _target_args(target: Target, python: str) -> list[str]:
    platforms = [arg for tag in target.pip_platforms for arg in ("--platform", tag)]
    return ["--only-binary=:all:", *platforms, "--python-version", python, "--implementation", "cp"]


def download_dependencies(project: Project, target: Target, python: str, wheels: Path) -> None:
    """Every dependency and every carried extra's, resolved together for the target, as wheels."""
    requirements = [*project.dependencies, *(req for reqs in project.extras.values() for req in reqs)]
    result = _pip(["download", "--progress-bar", "off", "--dest", str(wheels), *_target_args(target, python),
                   *requirements])
    if result.returncode != 0:
        raise _explain_pip_failure(result.stdout + result.stderr, "下载依赖", target, python)
    not_wheels = [path.name for path in wheels.iterdir() if path.suffix != ".whl"]
    if not_wheels:
        raise BundleError(f"下载的依赖中有不是 wheel 的文件：{'、'.join(not_wheels)}，没有写出安装包。")


def build_project_wheel(project: Project, wheels: Path) -> Path:
    """taizhang's own wheel, built from a clean copy of the packages (no stale build/ files, no tests)."""
    setuptools = tomllib.loads((project.root / "pyproject.toml").read_text(encoding="utf-8"))
    packages = setuptools.get("tool", {}).get("setuptools", {}).get("packages", ["taizhang"])
    with tempfile.TemporaryDirectory(prefix="taizhang-src-") as tmp:
        source = Path(tmp) / "taizhang"
        source.mkdir()
        for name in ("pyproject.toml", "README.md", "LICENSE", "setup.cfg"):
            if (project.root / name).is_file():
                shutil.copy2(project.root / name, source / name)
        for top in sorted({package.split(".")[0] for package in packages}):
            shutil.copytree(project.root / top, source / top,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.db", "*.db-wal", "*.db-shm"))
        before = set(wheels.iterdir())
        result = _pip(["wheel", "--no-deps", "--progress-bar", "off", "--wheel-dir", str(wheels), str(source)])
        if result.returncode != 0:
            raise _explain_pip_failure(result.stdout + result.stderr, "生成 taizhang 的 wheel")
    built = [path for path in set(wheels.iterdir()) - before if path.name.startswith("taizhang-")]
    if len(built) != 1 or not built[0].name.startswith(f"taizhang-{project.version}-"):
        raise BundleError(f"生成 taizhang 的 wheel 没有得到预期的文件（taizhang-{project.version}-…whl）。")
    return built[0]


def check_complete(project: Project, target: Target, python: str, wheels: Path) -> None:
    """pip resolves taizhang with every extra for the target from the wheels folder alone."""
    requirement = "taizhang" + (f"[{','.join(project.extras)}]" if project.extras else "") + f"=={project.version}"
    env = {key: value for key, value in os.environ.items() if not key.upper().startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    with tempfile.TemporaryDirectory(prefix="taizhang-check-") as tmp:
        result = _pip(["install", "--dry-run", "--ignore-installed", "--no-index", "--find-links", str(wheels),
                       "--target", tmp, *_target_args(target, python), requirement], env=env)
    if result.returncode != 0:
        raise BundleError(f"安装包自检没有通过：wheels 文件夹中的文件不足以离线安装 {requirement}，没有写出安装包。\n"
                          f"pip 的输出：\n{_tail(result.stdout + result.stderr)}")


def _write_text(path: Path, text: str, *, windows: bool, bom: bool = False, executable: bool = False) -> None:
    if windows:
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    path.write_bytes(("\ufeff" if bom else "").encode("utf-8") + text.encode("utf-8"))
    if executable:
        path.chmod(0o755)


def write_bundle_files(project: Project, platform: str, python: str, folder: Path) -> None:
    target = TARGETS[platform]
    wheels = sorted(path.name for path in (folder / "wheels").iterdir())
    manifest = {"format": "taizhang-bundle/1", "version": project.version, "platform": platform, "python": python,
                "extras": sorted(project.extras), "made": date.today().isoformat(), "wheels": wheels}
    (folder / "bundle.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    shutil.copy2(Path(__file__).with_name("bundle_install.py"), folder / "install.py")
    _write_text(folder / "install.bat", bundle_texts.install_bat(python), windows=True)
    _write_text(folder / "taizhang.bat", bundle_texts.taizhang_bat(), windows=True)
    _write_text(folder / "install.sh", bundle_texts.install_sh(python), windows=False, executable=True)
    _write_text(folder / "taizhang.sh", bundle_texts.taizhang_sh(), windows=False, executable=True)
    _write_text(folder / "安装说明.txt",
                bundle_texts.readme(version=project.version, platform_name=target.name, python=python,
                                    windows=target.windows, extras=sorted(project.extras)),
                windows=target.windows, bom=target.windows)


def _check_outdir(outdir: Path) -> None:
    if outdir.exists() and not outdir.is_dir():
        raise BundleError(f"{outdir} 是一个文件，不能作为安装包文件夹。")
    if outdir.is_dir() and any(outdir.iterdir()) and not (outdir / "bundle.json").is_file():
        raise BundleError(f"文件夹 {outdir} 不是空的，也不是以前制作的安装包；为安全起见没有写入。请另选一个文件夹。")


def build(outdir: Path, platform: str, python: str, *, root: Path = ROOT, say=print) -> Path:
    """Write the bundle to outdir (replacing an earlier bundle there); all or nothing."""
    target = TARGETS[platform]
    project = read_project(root)
    outdir = outdir.absolute()
    _check_outdir(outdir)
    outdir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".taizhang-bundle-", dir=outdir.parent))
    work.chmod(0o755)  # mkdtemp makes it private; the bundle is meant to be copied and shared
    try:
        wheels = work / "wheels"
        wheels.mkdir()
        extras = f"，可选组件 {'、'.join(project.extras)}" if project.extras else ""
        say(f"正在下载依赖（{target.name}，Python {python}{extras}）……")
        download_dependencies(project, target, python, wheels)
        say(f"正在生成 taizhang {project.version} 的 wheel……")
        build_project_wheel(project, wheels)
        say("正在检查安装包是否完整（不联网解析全部依赖）……")
        check_complete(project, target, python, wheels)
        write_bundle_files(project, platform, python, work)
        if outdir.exists():
            shutil.rmtree(outdir)
        work.rename(outdir)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    count = sum(1 for _ in (outdir / "wheels").iterdir())
    say(f"离线安装包已写到 {outdir}（{count} 个 wheel）。把整个文件夹拷到目标电脑，"
        f"运行其中的 {'install.bat' if target.windows else 'install.sh'}；说明见其中的“安装说明.txt”。")
    return outdir


def _default_platform() -> str:
    import platform as _platform

    machine = _platform.machine().lower()
    if sys.platform == "darwin":
        return "macos"
    if sys.platform.startswith("linux"):
        return "manylinux_aarch64" if machine in ("aarch64", "arm64") else "manylinux"
    return "win_amd64"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:
        self.print_usage(sys.stderr)
        print(f"taizhang.bundle：{message}", file=sys.stderr)
        raise SystemExit(2)


def main(argv: list[str] | None = None) -> int:
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    parser = _Parser(prog="python -m taizhang.bundle",
                     description="制作离线安装包：taizhang 及其全部依赖的 wheel、安装脚本和安装说明（需要联网制作，安装时不联网）。")
    parser.add_argument("outdir", metavar="OUTDIR", help="安装包文件夹（空的，或以前制作的安装包，将被替换）")
    parser.add_argument("--platform", choices=tuple(TARGETS), default=_default_platform(),
                        help="目标电脑：win_amd64（Windows 64 位）、manylinux（Linux x86-64）、manylinux_aarch64（Linux ARM64）、"
                             "macos（Apple 芯片）；默认为本机")
    parser.add_argument("--python", choices=PYTHONS, default=here if here in PYTHONS else PYTHONS[0],
                        help="目标电脑上的 Python 版本（默认为本机的版本）")
    args = parser.parse_args(argv)
    try:
        build(Path(args.outdir), args.platform, args.python)
    except BundleError as exc:
        print(f"taizhang.bundle：{exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("taizhang.bundle：已中断，没有写出安装包。", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

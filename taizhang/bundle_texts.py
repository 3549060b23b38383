"""The small scripts and the 安装说明 written into an offline bundle (see taizhang.bundle).

The .bat files are UTF-8 with CRLF line ends and switch the console to UTF-8 (chcp 65001) on their first
line, before any Chinese text; every path in them is quoted and built from %~dp0 (the bundle folder) or
%LOCALAPPDATA%, so folders with Chinese names and spaces work. The shell scripts quote every path too.
"""

from __future__ import annotations

WINDOWS_PROGRAM = r"%LOCALAPPDATA%\Programs\taizhang"
POSIX_PROGRAM = '"${XDG_DATA_HOME:-$HOME/.local/share}/taizhang-app"'
MAC_PROGRAM = '"$HOME/Library/Application Support/taizhang-app"'


def install_bat(python: str) -> str:
    return f"""@echo off
chcp 65001 >nul
setlocal
rem 从本文件夹（离线安装包）安装 taizhang：找到 Python {python}，运行 install.py。参数原样传给 install.py，
rem 例如 install.bat --with server（安装可选组件）、install.bat --to "D:\\台账 程序"（另选程序文件夹）。
title 安装 taizhang
set "PYEXE="
py -{python} -c "import sys" >nul 2>nul && set "PYEXE=py -{python}"
if not defined PYEXE python -c "import sys; sys.exit(sys.version_info[:2] != ({python.replace('.', ', ')}))" >nul 2>nul && set "PYEXE=python"
if not defined PYEXE goto nopython
%PYEXE% "%~dp0install.py" %*
set "RC=%ERRORLEVEL%"
echo.
pause
exit /b %RC%

:nopython
echo 没有找到 Python {python}。请先安装 Python {python}（64 位，python.org 的 Windows installer），
echo 安装时勾选“Add python.exe to PATH”，然后重新运行 install.bat。详见“安装说明.txt”。
echo.
pause
exit /b 1
"""


def taizhang_bat() -> str:
    return f"""@echo off
chcp 65001 >nul
setlocal
rem 打开 taizhang（默认台账）。参数原样传给 taizhang，例如 taizhang.bat demo 打开示例数据。
title 工作台账 taizhang
set "TZPY={WINDOWS_PROGRAM}\\Scripts\\python.exe"
if not exist "%TZPY%" goto notinstalled
"%TZPY%" -P -m taizhang %*
if errorlevel 1 pause
exit /b

:notinstalled
echo taizhang 还没有安装（没有找到 %TZPY%）。请先双击本文件夹中的 install.bat。
echo.
pause
exit /b 1
"""


def install_sh(python: str) -> str:
    condition = f"import sys; sys.exit(sys.version_info[:2] != ({python.replace('.', ', ')}))"
    return f"""#!/bin/sh
# 从本文件夹（离线安装包）安装 taizhang：找到 Python {python}，运行 install.py。参数原样传给 install.py，
# 例如 sh install.sh --with server（安装可选组件）、sh install.sh --to "$HOME/台账 程序"（另选程序文件夹）。
# 环境变量 PYTHON 可以指定用哪个 Python。
here=$(cd "$(dirname "$0")" && pwd)
py=${{PYTHON:-}}
if [ -z "$py" ]; then
    for candidate in python{python} python3 python; do
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c '{condition}' 2>/dev/null; then
            py=$candidate
            break
        fi
    done
fi
if [ -z "$py" ]; then
    echo "没有找到 Python {python}。请先安装 Python {python}，再运行 sh install.sh。详见“安装说明.txt”。" >&2
    exit 1
fi
exec "$py" "$here/install.py" "$@"
"""


def taizhang_sh() -> str:
    return f"""#!/bin/sh
# 打开 taizhang（默认台账）。参数原样传给 taizhang，例如 sh taizhang.sh demo 打开示例数据。
case "$(uname -s)" in
    Darwin) program={MAC_PROGRAM} ;;
    *) program={POSIX_PROGRAM} ;;
esac
if [ ! -x "$program/bin/python" ]; then
    echo "taizhang 还没有安装（没有找到 $program）。请先运行本文件夹中的 install.sh。" >&2
    exit 1
fi
exec "$program/bin/python" -P -m taizhang "$@"
"""


def readme(*, version: str, platform_name: str, python: str, windows: bool, extras: list[str]) -> str:
    """安装说明.txt: which Python, install, start, where the data is, backups, updating, extras, terminal."""
    if windows:
        python_step = (f"1. 先安装 Python {python}（64 位）。在能上网的电脑上从 https://www.python.org/downloads/windows/ 下载\n"
                       f"   “Python {python}.x Windows installer (64-bit)”（选 {python} 中最新的一个），和本文件夹一起拷到 U 盘。\n"
                       f"   在办公电脑上运行它，勾选“Add python.exe to PATH”，点“Install Now”（不需要联网）。\n"
                       f"   （需要 Windows 10 或更新的版本。）")
        install_step = ("2. 双击本文件夹中的 install.bat。它在 %LOCALAPPDATA%\\Programs\\taizhang 建立程序，\n"
                        "   只使用本文件夹中的文件，不联网。看到“安装完成”后按任意键关闭窗口。\n"
                        "   本文件夹可以放在任何位置（含中文和空格的路径也可以），安装后也可以删掉。")
        start_step = ("3. 双击 taizhang.bat 打开台账；第一次可以运行 taizhang.bat demo 看示例数据。\n"
                      "   程序文件夹中也有一个 taizhang.bat（%LOCALAPPDATA%\\Programs\\taizhang\\taizhang.bat），\n"
                      "   可以右键 → 发送到 → 桌面快捷方式。")
        data = ("台账数据是一个文件：%LOCALAPPDATA%\\taizhang\\taizhang.db\n"
                "（即 C:\\Users\\用户名\\AppData\\Local\\taizhang\\taizhang.db；在资源管理器地址栏输入 %LOCALAPPDATA%\\taizhang 回车即可打开）。\n"
                "这个文件可以直接复制，就是一份完整的备份。\n"
                "程序（%LOCALAPPDATA%\\Programs\\taizhang）和数据是分开的两个文件夹。")
        update = ("拿到新版本的安装包后，关闭 taizhang，双击新安装包中的 install.bat 即可：程序被替换为新版本，\n"
                  "台账文件不动，打开后仍是原来的数据（新版本需要升级数据库结构时，会先自动备份一份）。")
        uninstall = "卸载：删除 %LOCALAPPDATA%\\Programs\\taizhang 文件夹。台账数据（%LOCALAPPDATA%\\taizhang）不会随之删除。"
        extra_cmd = "install.bat --with 名称"
    else:
        python_step = (f"1. 先安装 Python {python}（系统自带或软件源中的 python{python}，或 python.org 的安装程序；"
                       f"版本必须是 {python}）。\n"
                       + ("   需要 macOS 13 或更新，Apple 芯片。" if platform_name.startswith("macOS") else
                          "   需要 glibc 2.28 或更新（如 麒麟 V10、统信 UOS 20、CentOS/RHEL 8、Ubuntu 20.04 及以后）。"))
        install_step = ("2. 在本文件夹中运行 sh install.sh。程序装在 ~/.local/share/taizhang-app（macOS：\n"
                        "   ~/Library/Application Support/taizhang-app），只使用本文件夹中的文件，不联网。\n"
                        "   本文件夹可以放在任何位置（含中文和空格的路径也可以）。")
        start_step = "3. 运行 sh taizhang.sh 打开台账；第一次可以运行 sh taizhang.sh demo 看示例数据。"
        data = ("台账数据是一个文件：~/.local/share/taizhang/taizhang.db（macOS：~/Library/Application Support/taizhang/taizhang.db）。\n"
                "这个文件可以直接复制，就是一份完整的备份。\n"
                "程序和数据是分开的两个文件夹。")
        update = ("拿到新版本的安装包后，关闭 taizhang，运行新安装包中的 sh install.sh 即可：程序被替换为新版本，\n"
                  "台账文件不动，打开后仍是原来的数据（新版本需要升级数据库结构时，会先自动备份一份）。")
        uninstall = "卸载：删除程序文件夹（~/.local/share/taizhang-app）。台账数据不会随之删除。"
        extra_cmd = "sh install.sh --with 名称"
    if extras:
        extras_text = (f"本安装包带有可选组件：{'、'.join(extras)}。默认不安装；需要时运行 {extra_cmd}。")
    else:
        extras_text = ("本安装包没有可选组件。多人共用一个台账（服务器版，PostgreSQL）所需的数据库驱动，将作为可选组件\n"
                       f"server 提供：届时的安装包会带上它，但默认不安装，需要时运行 {extra_cmd.replace('名称', 'server')}。")
    text = f"""taizhang 工作台账 {version} 离线安装包（{platform_name}，Python {python}）
============================================================

本文件夹包含 taizhang 及其全部依赖（wheels 文件夹），安装时不需要联网。

一、安装
{python_step}
{install_step}
{start_step}

也可以指定数据库文件：运行时加 --db 路径，或设置环境变量 TAIZHANG_DB。

二、数据在哪里
{data}

三、备份
- 程序自动备份到台账文件旁的 backups 文件夹：每天第一次打开、导入之前、升级之前、恢复之前，保留最近 30 份。
- 在界面中按 b 查看备份、n 立即备份、Enter 恢复；命令行：taizhang backup、taizhang backup --list、taizhang restore 文件名。
- 定期把 taizhang.db（和 backups 文件夹）复制到 U 盘或单位的备份位置。复制前最好先关闭 taizhang。

四、更新
{update}
{uninstall}

五、可选组件
{extras_text}
"""
    if windows:
        text += r"""
六、在 Windows Terminal 中使用（推荐）
taizhang 在 80×24 的窗口中即可使用，窗口大一些（如 120×36）看得更全。Windows Terminal 中所有按键都能用。
打开 Windows Terminal → 设置 → 打开 JSON 文件，在 "profiles" 的 "list" 中加入下面一段（注意与前后的逗号）：

        {
            "name": "工作台账 taizhang",
            "commandline": "\"%LOCALAPPDATA%\\Programs\\taizhang\\Scripts\\python.exe\" -P -m taizhang",
            "startingDirectory": "%USERPROFILE%",
            "font": { "face": "Cascadia Mono, Microsoft YaHei", "size": 13 },
            "closeOnExit": "graceful"
        },

字体：Cascadia Mono 随 Windows Terminal 安装，汉字用微软雅黑显示。较早的 Windows Terminal 只能写一个字体，
写 "Cascadia Mono" 即可（汉字会自动用系统字体显示）；如果装有等距更纱黑体，写 "Sarasa Mono SC" 最整齐。
字号 13 适合一般的显示器，可按需要改为 12～16。
窗口大小：在设置 → 启动 中把“列”“行”设为 120 和 36（JSON 中为 "initialCols": 120, "initialRows": 36），
或者建一个快捷方式，目标写：wt.exe --size 120,36 -p "工作台账 taizhang"
"""
    return text

#!/usr/bin/env bash
# Installs what DataPipeline needs on Debian 12 (bookworm) that the base image lacks.
#
# TorchSharp 0.107's native wrapper (libLibTorchSharp.so) is linked against GCC 13's libstdc++
# (symbol version GLIBCXX_3.4.32); bookworm ships GCC 12's. The fix is the libstdc++6 of Debian 13
# "trixie", taken from a trixie apt source pinned at priority 100 so that nothing else is upgraded
# from it unless asked for. Fonts are installed so that ScottPlot's figures have readable text,
# and python3-h5py so that the tests can open frame stores the way Python users will.
# PowerShell 7.6.10 comes as a .NET global tool (7.7.0 is served but fails) and is linked into
# /usr/local/bin so that `pwsh` is callable by name from later commands, cron and systemd; Pester
# 5.7.1, which build.ps1 -Task Test imports by path, is restored from NuGet (tools/TestModules).
#
# Idempotent: every step checks first and does nothing when already satisfied. Run as root.
set -euo pipefail

need_glibcxx=GLIBCXX_3.4.32
# awk stops at the first match; ldconfig may then die of SIGPIPE, which pipefail would make fatal.
libstdcxx=$(ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}' || true)
libstdcxx=${libstdcxx:-/usr/lib/x86_64-linux-gnu/libstdc++.so.6}

has_symbol() { grep -aq "$need_glibcxx" "$libstdcxx" 2>/dev/null; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

apt_updated=0
apt_update() { if [ $apt_updated -eq 0 ]; then $SUDO apt-get update -qq; apt_updated=1; fi; }

if has_symbol; then
    echo "libstdc++: $libstdcxx already exports $need_glibcxx"
else
    echo "libstdc++: $libstdcxx lacks $need_glibcxx; installing libstdc++6 from Debian 13 (trixie), pinned at priority 100"
    if ! grep -rqs "trixie" /etc/apt/sources.list /etc/apt/sources.list.d/; then
        echo "deb http://deb.debian.org/debian trixie main" | $SUDO tee /etc/apt/sources.list.d/trixie.list >/dev/null
    fi
    if [ ! -f /etc/apt/preferences.d/trixie-pin ]; then
        printf 'Package: *\nPin: release n=trixie\nPin-Priority: 100\n' | $SUDO tee /etc/apt/preferences.d/trixie-pin >/dev/null
    fi
    apt_update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -t trixie libstdc++6 >/dev/null
    if ! has_symbol; then
        echo "error: $libstdcxx still lacks $need_glibcxx after the install" >&2
        exit 1
    fi
    echo "libstdc++: now exports $need_glibcxx"
fi

# Fonts for figure text (ScottPlot renders through SkiaSharp, which asks fontconfig).
if ! fc-list 2>/dev/null | grep -i dejavu >/dev/null; then
    apt_update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq fonts-dejavu-core fontconfig >/dev/null
    echo "fonts: installed DejaVu"
else
    echo "fonts: DejaVu present"
fi

# h5py for Debian's python3: the tests open frame stores with it, as Python users will.
if /usr/bin/python3 -c 'import h5py' 2>/dev/null; then
    echo "h5py: present"
else
    apt_update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-h5py >/dev/null
    echo "h5py: installed python3-h5py"
fi

# scipy for Debian's python3: a test re-reads exported IQ MAT files (complex single) with scipy.io.loadmat.
if /usr/bin/python3 -c 'import scipy.io' 2>/dev/null; then
    echo "scipy: present"
else
    apt_update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-scipy >/dev/null
    echo "scipy: installed python3-scipy"
fi

# PowerShell as a .NET global tool, callable by name from any later command.
pwsh_version=7.6.10
tool_dir=${DOTNET_CLI_HOME:-$HOME}/.dotnet/tools
if [ -x "$tool_dir/pwsh" ] && [ "$("$tool_dir/pwsh" -NoProfile -NonInteractive -Command '$PSVersionTable.PSVersion.ToString()' 2>/dev/null)" = "$pwsh_version" ]; then
    echo "pwsh: $pwsh_version present"
else
    # update installs the tool when it is missing and moves any other version to this one.
    dotnet tool update --global PowerShell --version "$pwsh_version" >/dev/null
    echo "pwsh: installed $pwsh_version as a dotnet global tool"
fi
if [ "$(readlink -f /usr/local/bin/pwsh 2>/dev/null)" != "$(readlink -f "$tool_dir/pwsh")" ]; then
    $SUDO ln -sf "$tool_dir/pwsh" /usr/local/bin/pwsh
    echo "pwsh: linked /usr/local/bin/pwsh -> $tool_dir/pwsh"
fi

# Pester for the tests (build.ps1 -Task Test finds it in the NuGet packages folder).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dotnet restore "$here/TestModules/TestModules.csproj" -nologo -v quiet
echo "pester: 5.7.1 restored from NuGet"

# Windows recipe for Nullify Desktop: an NSIS installer (default) or an MSI (WiX) with CPack.
# NOT exercised on this project's machines (they run Debian only); the CI workflow in
# packaging/ci/ runs it on a hosted Windows runner.
#
#   pwsh packaging/windows/build-windows.ps1 -QtDir C:\Qt\6.8.1\msvc2022_64 [-Generator WIX]
#
# Needs: Visual Studio 2022 (C++ workload; run from a "Developer PowerShell"), CMake 3.22+, Ninja,
# Git, Qt 6.4+ for MSVC (with Qt SVG), NSIS 3 or the WiX 3 toolset on PATH.
# qtkeychain keeps the session in the Windows Credential Manager; it is built here from source.
# windeployqt runs through the deploy script that app/CMakeLists.txt installs (Qt's DLLs and
# plugins, including the SVG ones); qtkeychain's DLL is installed next to the .exe.
param(
    [Parameter(Mandatory = $true)][string]$QtDir,
    [ValidateSet('NSIS', 'WIX')][string]$Generator = 'NSIS',
    [string]$QtKeychainTag = '0.14.3'
)
$ErrorActionPreference = 'Stop'
$root = Resolve-Path (Join-Path $PSScriptRoot '..\..')
$work = Join-Path $root 'build\windows'
$deps = Join-Path $work 'deps'
New-Item -ItemType Directory -Force -Path $work | Out-Null

function Invoke-Checked { & $args[0] $args[1..($args.Count - 1)]; if ($LASTEXITCODE) { throw "failed: $args" } }

# qtkeychain (Credential Manager backend), built against the same Qt.
$qtkeychainSrc = Join-Path $work 'qtkeychain'
if (-not (Test-Path $qtkeychainSrc)) {
    Invoke-Checked git clone --depth 1 --branch $QtKeychainTag https://github.com/frankosterfeld/qtkeychain.git $qtkeychainSrc
}
Invoke-Checked cmake -S $qtkeychainSrc -B (Join-Path $work 'qtkeychain-build') -G Ninja `
    -DCMAKE_BUILD_TYPE=Release -DBUILD_WITH_QT6=ON -DBUILD_TRANSLATIONS=OFF -DBUILD_TEST_APPLICATION=OFF `
    "-DCMAKE_PREFIX_PATH=$QtDir" "-DCMAKE_INSTALL_PREFIX=$deps"
Invoke-Checked cmake --build (Join-Path $work 'qtkeychain-build')
Invoke-Checked cmake --install (Join-Path $work 'qtkeychain-build')

# The app, then the installer. Hardened (cmake/NullifyHardening.cmake): /GS and /guard:cf, linked
# with /guard:cf /DYNAMICBASE /HIGHENTROPYVA /CETCOMPAT.
$build = Join-Path $work 'app'
Invoke-Checked cmake -S $root -B $build -G Ninja -DCMAKE_BUILD_TYPE=Release `
    -DNULLIFY_BUILD_TESTS=OFF -DNULLIFY_BUILD_BENCHMARKS=OFF -DNULLIFY_HARDENING=ON "-DCMAKE_PREFIX_PATH=$QtDir;$deps"
Invoke-Checked cmake --build $build
Invoke-Checked cpack --config (Join-Path $build 'CPackConfig.cmake') -G $Generator -B (Join-Path $work 'packages')
Get-ChildItem (Join-Path $work 'packages') -File | Where-Object { $_.Extension -in '.exe', '.msi' } | ForEach-Object { $_.FullName }

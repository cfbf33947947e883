# On Windows (a CI runner or a developer machine with Python 3.11 and Inno Setup 6):
# build dist\VideoScan\ with PyInstaller, smoke-test it, and wrap it in
# dist\VideoScan-<version>-setup.exe with Inno Setup.
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build_installer.ps1
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")
if (-not (Test-Path .venv)) { python -m venv .venv }
$py = ".venv\Scripts\python.exe"
& $py -m pip install -q --upgrade pip
& $py -m pip install -q -r requirements.txt -r packaging\requirements.txt
& $py -m pip install -q -e . --no-deps
& $py packaging\make_icons.py
& $py -m PyInstaller --noconfirm --clean --distpath dist --workpath build\pyinstaller packaging\videoscan.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }
& $py packaging\smoke.py dist\VideoScan\VideoScan.exe
if ($LASTEXITCODE -ne 0) { throw "the bundle's smoke test failed" }
$version = & $py -c "from importlib.metadata import version; print(version('videoscan-desktop'))"
$iscc = (Get-Command iscc -ErrorAction SilentlyContinue).Source
if (-not $iscc) { $iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
& $iscc "/DAppVersion=$version" packaging\windows\videoscan.iss
if ($LASTEXITCODE -ne 0) { throw "Inno Setup failed" }
Write-Output "wrote dist\VideoScan-$version-setup.exe"

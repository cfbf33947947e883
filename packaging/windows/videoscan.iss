; Inno Setup script for VideoScan Desktop (build on Windows after `make package` there):
;   iscc /DAppVersion=0.1.0 packaging\windows\videoscan.iss
; Produces dist\VideoScan-<version>-setup.exe, installing per user (no admin needed).
#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif

[Setup]
AppId={{6E4C7F0A-3B8D-4B1E-9D55-2C1F0B7A9E31}
AppName=VideoScan Desktop
AppVersion={#AppVersion}
AppPublisher=VideoScan Desktop
DefaultDirName={localappdata}\Programs\VideoScan
DefaultGroupName=VideoScan Desktop
PrivilegesRequired=lowest
OutputDir=..\..\dist
OutputBaseFilename=VideoScan-{#AppVersion}-setup
SetupIconFile=..\..\resources\icons\videoscan.ico
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern

[Files]
Source: "..\..\dist\VideoScan\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion

[Icons]
Name: "{group}\VideoScan Desktop"; Filename: "{app}\VideoScan.exe"
Name: "{userdesktop}\VideoScan Desktop"; Filename: "{app}\VideoScan.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked

[Run]
Filename: "{app}\VideoScan.exe"; Description: "Start VideoScan Desktop"; Flags: nowait postinstall skipifsilent

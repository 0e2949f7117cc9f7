; Inno Setup 6 script: per-user installer for the PyInstaller folder built by packaging/build.py.
;
;   iscc /DAppVersion=0.1.0 packaging\zzdesk.iss
;
; packaging/build.py --installer passes AppVersion (from pyproject.toml) and absolute BuildDir and OutputDir;
; relative paths here are relative to this script's folder.
; Saved as UTF-8 with a byte-order mark: Inno Setup reads a script without one in the ANSI code page.

#ifndef AppVersion
  #error Pass the version from the build: iscc /DAppVersion=X.Y.Z (packaging/build.py --installer does)
#endif
#ifndef BuildDir
  #define BuildDir "..\dist\zzdesk"
#endif
#ifndef OutputDir
  #define OutputDir "..\dist"
#endif
#define AppTitle "督查室重点任务台账"

[Setup]
; Never change AppId: it is how a newer installer finds the installed version and upgrades it in place.
AppId={{C202138E-849A-4134-96B2-3D5765280829}
AppName=zzdesk {#AppTitle}
AppVersion={#AppVersion}
AppVerName=zzdesk {#AppTitle} {#AppVersion}
AppPublisher=督查室
VersionInfoVersion={#AppVersion}
VersionInfoProductName=zzdesk
VersionInfoDescription={#AppTitle} 安装程序
; Per-user install, no administrator rights: {autopf} is the user's own Programs folder
; (%LOCALAPPDATA%\Programs) under PrivilegesRequired=lowest. The user cannot switch to an all-users install.
PrivilegesRequired=lowest
DefaultDirName={autopf}\zzdesk
UsePreviousAppDir=yes
DisableProgramGroupPage=yes
; An open zzdesk window holds files of the install folder: offer to close it before upgrading.
CloseApplications=yes
RestartApplications=no
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
SetupIconFile=..\resources\icons\zzdesk.ico
UninstallDisplayIcon={app}\zzdesk.exe
UninstallDisplayName=zzdesk {#AppTitle}
OutputDir={#OutputDir}
OutputBaseFilename=zzdesk-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ShowLanguageDialog=no

[Languages]
; Inno Setup 6.5 and later include ChineseSimplified.isl among their own translations; older 6.x versions have it
; only in the issrc repository's Files/Languages/Unofficial folder (the Windows workflow copies it in when missing).
; Without it the wizard is in English; the texts this script adds are Chinese either way.
#if FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#else
  #pragma warning "Languages\ChineseSimplified.isl not found in Inno Setup: the wizard falls back to English"
Name: "english"; MessagesFile: "compiler:Default.isl"
#endif

[Tasks]
Name: "desktopicon"; Description: "在桌面上创建快捷方式"; GroupDescription: "附加快捷方式："; Flags: unchecked

[InstallDelete]
; An upgrade replaces the program's own files only; a module dropped by the new version must not linger.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#BuildDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppTitle}"; Filename: "{app}\zzdesk.exe"; Comment: "zzdesk {#AppTitle}"
Name: "{autodesktop}\{#AppTitle}"; Filename: "{app}\zzdesk.exe"; Comment: "zzdesk {#AppTitle}"; Tasks: desktopicon

[Run]
Filename: "{app}\zzdesk.exe"; Description: "立即运行 {#AppTitle}"; Flags: nowait postinstall skipifsilent

; No [UninstallDelete] section, on purpose. Uninstalling removes only what [Files] and [Icons] installed.
; The user's data — database, backups, attachments, drafts, logs — lives in the local data folder
; %LOCALAPPDATA%\zzdesk\zzdesk (or ZZDESK_DATA_DIR), outside {app}, and is kept, as are the window settings in
; HKCU\Software\zzdesk. Reinstalling finds everything where it was.

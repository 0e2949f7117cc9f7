"""Entry script of the frozen ``zzdesk`` and ``zzdesk-cli`` executables (``packaging/zzdesk.spec``).

It runs after every PyInstaller runtime hook — including matplotlib's, which points MPLCONFIGDIR at a new temp folder
on each start — and before anything imports matplotlib, so the persistent folder set here is the one matplotlib uses
and its font cache survives between launches.
"""

import sys

from zzdesk.locations import use_persistent_matplotlib_dir

use_persistent_matplotlib_dir()

from zzdesk.cli import main  # noqa: E402  (after MPLCONFIGDIR is settled)

sys.exit(main())

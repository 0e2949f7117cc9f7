import sys

from zzdesk.cli import main

sys.exit(main())

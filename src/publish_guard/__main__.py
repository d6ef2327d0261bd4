import sys

from publish_guard.cli import main

sys.exit(main())

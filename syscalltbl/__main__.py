import sys

from syscalltbl.cli import main

sys.exit(main())

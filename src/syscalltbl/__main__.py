import sys

from syscalltbl.cli.entry import main

sys.exit(main())

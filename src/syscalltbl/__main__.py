import sys

from syscalltbl.cli.main import main

sys.exit(main())

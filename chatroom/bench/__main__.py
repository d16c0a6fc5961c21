"""``python -m chatroom.bench``: the same as the ``chatroom-bench`` script."""

import sys

from chatroom.bench.main import main

sys.exit(main())

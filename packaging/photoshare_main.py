"""The entry script of the one-file binary (see ``photoshare.spec``): the same ``photoshare`` command as from source.

``freeze_support`` comes first: the media pool and ``serve --workers`` start their children with the
``spawn`` method, which in the binary means running this executable again with multiprocessing's own
arguments; those children must run their task, not the command line.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()

    from app.cli import main

    sys.exit(main())

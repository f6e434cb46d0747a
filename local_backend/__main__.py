"""Entry point of ``python -m local_backend``."""

import os
import sys

# moto reads this when IAM first loads; set it before anything can import moto.
os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"

from local_backend.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())

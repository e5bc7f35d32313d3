"""A model file that calls os._exit while it is imported (it would end the process silently)."""

import os

os._exit(7)

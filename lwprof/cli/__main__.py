"""``python -m lwprof.cli``: the ``lwprof`` console script."""

from lwprof.cli import main

main()

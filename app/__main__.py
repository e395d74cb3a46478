"""`python -m app serve …` runs the same command line as the `backprop-explorer` script."""

from app.cli import main

raise SystemExit(main())

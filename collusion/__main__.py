"""`python -m collusion` runs the command line."""

from collusion.cli import main

main()

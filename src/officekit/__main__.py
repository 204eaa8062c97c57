"""``python -m officekit`` runs the CLI."""

from officekit.cli import main

main()

from ankigen.cli import entry

entry()

from buildamp.cli.main import entry

entry()

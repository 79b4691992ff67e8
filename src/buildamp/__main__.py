from buildamp.cli.launch import entry

entry()

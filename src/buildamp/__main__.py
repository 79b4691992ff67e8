from buildamp.cli.main import main

main()

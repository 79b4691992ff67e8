from buildamp.cli import main

main()

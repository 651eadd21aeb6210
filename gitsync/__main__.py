from gitsync.cli.main import main

main()

from hiddenlens.cli import main

main()

from sodo.cli.main import run

run()

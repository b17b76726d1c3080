from sodo.cli.main import app

app()

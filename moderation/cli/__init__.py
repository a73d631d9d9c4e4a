"""The `moderation` command's subcommands (the parser is moderation/__main__.py).

db.py (a database for a command: configured or embedded), serve.py (serve,
migrate), admin.py (tokens, training, models, labels import, evaluate).
"""

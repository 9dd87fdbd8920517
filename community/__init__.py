"""The community application. `create_app()` (community/factory.py) builds the Flask app.

Importing the package loads nothing else, so that the launcher (`community serve`,
community/launcher.py), which only starts and watches processes, stays small."""


def __getattr__(name):
    if name == "create_app":
        from community.factory import create_app

        return create_app
    raise AttributeError(f"module 'community' has no attribute {name!r}")

"""What `community serve --production` refuses to start with: each a clear sentence of what to change."""


def problems(config, workers: int) -> list[str]:
    found = []
    if config.get("SECRET_KEY_FROM_INSTANCE"):
        found.append(
            "SECRET_KEY is not set: a key was generated into instance/secret_key, which no other server shares"
            " (a session signed by one would be refused by the next). Set SECRET_KEY to the same value on every"
            " server, for example the output of: python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    secure = config.get("SESSION_COOKIE_SECURE")
    https = str(config.get("BASE_URL", "")).startswith("https://")
    if secure and not https:
        found.append(
            f"BASE_URL is {config.get('BASE_URL')!r} while SESSION_COOKIE_SECURE is on: browsers never send a"
            " secure cookie back over http, so nobody could log in. Set BASE_URL to the https:// address people use."
        )
    if not secure:
        found.append(
            "SESSION_COOKIE_SECURE is off: the session cookie would travel unencrypted. Serve the site over HTTPS"
            " (the reverse proxy terminates TLS) and set SESSION_COOKIE_SECURE=true."
        )
    if per_process_limits := per_process_limits_problem(config, workers):
        found.append(per_process_limits)
    return found


def per_process_limits_problem(config, workers: int) -> str | None:
    """Refused in production; outside it, gunicorn's settings file logs it as a warning at start-up."""
    if workers > 1 and str(config.get("RATELIMIT_STORAGE_URI", "")).startswith("memory://"):
        return (
            f"RATELIMIT_STORAGE_URI is memory:// with {workers} web server processes: each would count on its own,"
            f" so every limit would be {workers} times looser. Set RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0."
        )
    return None

"""What deploy/ gives a volunteer, checked by the programs that will read it: the systemd
units by `systemd-analyze verify`, the nginx site by `nginx -t`, and then the site served
through that nginx (TLS with a throwaway certificate) in front of `community serve`."""

import http.client
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.bench.footprint import descendants
from tests.bench.load import free_port

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
HOST = "community.example.org"


def test_the_systemd_units_verify(tmp_path):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed")
    units = []
    for unit in sorted(DEPLOY.glob("*.service")) + sorted(DEPLOY.glob("*.timer")):
        copy = tmp_path / unit.name  # the paths of this checkout, where the programs exist
        copy.write_text(unit.read_text().replace("/srv/community", str(ROOT)))
        units.append(str(copy))
    assert len(units) == 3
    done = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr


def test_the_environment_example_names_only_settings_the_app_reads():
    from community.config import ENVIRONMENT

    names = re.findall(r"^([A-Z_]+)=", (DEPLOY / "community.env.example").read_text(), re.M)
    assert names and set(names) <= set(ENVIRONMENT)


def nginx_conf(tmp_path, http_port, https_port, app_ports) -> Path:
    """deploy/'s site on loopback ports, with a throwaway certificate, in front of the app
    servers on `app_ports`."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={HOST}",
         "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    site = (DEPLOY / "nginx-community.conf").read_text()
    site = re.sub(r"^\s*listen \[::\].*\n", "", site, flags=re.M)
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    site = site.replace(f"/etc/letsencrypt/live/{HOST}/fullchain.pem", str(tmp_path / "cert.pem"))
    site = site.replace(f"/etc/letsencrypt/live/{HOST}/privkey.pem", str(tmp_path / "key.pem"))
    servers = "".join(f"    server 127.0.0.1:{port};\n" for port in app_ports)
    site = re.sub(r"^    server 127\.0\.0\.1:8000;\n", servers, site, flags=re.M)
    (tmp_path / "site.conf").write_text(site)
    temp = tmp_path / "nginx-temp"
    temp.mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"daemon off;\nworker_processes 1;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events { worker_connections 256; }\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {temp}/body;\n  proxy_temp_path {temp}/proxy;\n"
        f"  fastcgi_temp_path {temp}/fastcgi;\n  uwsgi_temp_path {temp}/uwsgi;\n  scgi_temp_path {temp}/scgi;\n"
        f"  include {tmp_path}/site.conf;\n}}\n"
    )
    return conf


class Https:
    def __init__(self, port, source="127.0.0.1"):
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # the throwaway certificate
        self.conn = http.client.HTTPSConnection(
            "127.0.0.1", port, context=context, timeout=20, source_address=(source, 0)
        )

    def request(self, method, path, body=None, headers=None):
        self.conn.request(method, path, body=body, headers={"Host": HOST, **(headers or {})})
        response = self.conn.getresponse()
        response.body = response.read().decode("utf-8", "replace")
        return response

    def close(self):
        self.conn.close()


@pytest.fixture
def proxied_site(tmp_path):
    if not shutil.which("nginx"):
        pytest.skip("nginx is not installed (make test installs it)")
    http_port, https_port, app_port = free_port(), free_port(), free_port()
    conf = nginx_conf(tmp_path, http_port, https_port, [app_port])
    checked = subprocess.run(["nginx", "-t", "-c", str(conf), "-p", str(tmp_path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "SECRET_KEY": "deploy-test-only",
        "BASE_URL": f"https://{HOST}",
        "SESSION_COOKIE_SECURE": "true",
        "TRUSTED_PROXIES": "1",
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    with behind_nginx(conf, tmp_path, env, [app_port], workers=1):
        wait_until_serving(lambda: Https(https_port), lambda client: client.request("GET", "/").status == 200)
        yield http_port, https_port


@contextmanager
def behind_nginx(conf, tmp_path, env, app_ports, *, workers: int):
    """`community serve --production` on each of `app_ports`, nginx in front of them; all
    stopped on the way out, as systemd stops them."""
    command = [sys.executable, "-m", "community.launcher", "serve", "--production", "--workers", str(workers)]
    servers = [
        subprocess.Popen([*command, "--port", str(port)], cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
        for port in app_ports
    ]
    nginx = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(tmp_path)], stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        nginx.send_signal(signal.SIGQUIT)
        nginx.wait(20)
        for server in servers:
            stop_site(server)


def wait_until_serving(connect, answers, seconds: float = 60) -> None:
    """Until answers(client) is true on a fresh connect(): a refused connection is a no."""
    deadline = time.monotonic() + seconds
    while True:
        client = connect()
        try:
            if answers(client):
                return
        except OSError:
            pass
        finally:
            client.close()
        assert time.monotonic() < deadline, "a server did not answer in time"
        time.sleep(0.3)


def stop_site(site) -> None:
    """`community serve` stopped as systemd does (SIGTERM); any child left behind is killed."""
    everyone = descendants(site.pid)
    site.send_signal(signal.SIGTERM)
    site.wait(60)
    for pid in everyone[1:]:
        if Path(f"/proc/{pid}").exists():
            os.kill(pid, signal.SIGKILL)


def test_through_nginx_the_site_is_https_only_with_secure_cookies_and_real_client_addresses(proxied_site):
    http_port, https_port = proxied_site
    plain = http.client.HTTPConnection("127.0.0.1", http_port, timeout=20)
    plain.request("GET", "/events/", headers={"Host": HOST})
    moved = plain.getresponse()
    moved.read()
    plain.close()
    assert moved.status == 301 and moved.headers["Location"] == f"https://{HOST}/events/"

    client = Https(https_port)
    try:
        page = client.request("GET", "/members/login")
        assert page.status == 200
        assert page.headers["Strict-Transport-Security"] == "max-age=31536000"
        cookie = page.headers["Set-Cookie"]
        assert cookie.startswith("session=") and "Secure" in cookie and "HttpOnly" in cookie

        too_big = client.request("POST", "/members/login", body=b"x" * (3 * 1024 * 1024))
        assert too_big.status == 413

        # Each attempt claims another address: nginx replaces the header with the real one,
        # so the limit per address and account (5 sign-ups a minute for one email) counts
        # them all as one client.
        session = cookie.split(";", 1)[0]
        form = client.request("GET", "/members/signup", headers={"Cookie": session})
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form.body).group(1)
        answers = [
            client.request(
                "POST",
                "/members/signup",
                body=f"csrf_token={token}&email=person%40example.org".encode(),
                headers={
                    "Cookie": session,
                    "Referer": f"https://{HOST}/members/signup",  # checked on HTTPS (Flask-WTF's SSL strict)
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Forwarded-For": f"203.0.113.{n}",
                },
            )
            for n in range(8)
        ]
        statuses = [answer.status for answer in answers]
        assert statuses[:5] == [200] * 5 and statuses[5:] == [429] * 3, statuses  # 200: the form, told what is missing
        # Another client (another loopback address) is counted apart: the app reads nginx's header.
        other = Https(https_port, source="127.0.0.2")
        try:
            page = other.request("GET", "/members/signup")
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.body).group(1)
            own = page.headers["Set-Cookie"].split(";", 1)[0]
            headers = {"Cookie": own, "Referer": f"https://{HOST}/members/signup"}
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            answer = other.request("POST", "/members/signup", body=f"csrf_token={token}".encode(), headers=headers)
            assert answer.status == 200
        finally:
            other.close()
    finally:
        client.close()

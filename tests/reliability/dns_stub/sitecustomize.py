"""A stand-in DNS for the crawl processes of the reliability suite. tests.reliability.fake_dns
puts this folder first on PYTHONPATH; Python imports `sitecustomize` at start-up, before
Scrapy or Twisted.

No DNS server can be pointed at from here (the system resolver is the machine's), so the C
library's answer is replaced for the names listed in TRADEWATCH_FAKE_DNS, a JSON object:

    {"rebind.test": [["127.0.0.3"], ["127.0.0.1"]],   # 1st lookup, then every later one
     "nxdomain.test": []}                               # does not resolve

Every lookup function a crawler may use answers from it (getaddrinfo, gethostbyname,
gethostbyname_ex), and lookups are counted per name across all of them, so "the second
lookup" means the second in this process, whoever makes it. Other names go to the real
functions (only localhost and numeric forms are used by the suite, so no query leaves the machine).
"""
import json
import os
import socket
import threading

_ANSWERS = json.loads(os.environ.get("TRADEWATCH_FAKE_DNS") or "{}")
_COUNTS: dict = {}
_LOCK = threading.Lock()
_real_getaddrinfo = socket.getaddrinfo
_real_gethostbyname = socket.gethostbyname
_real_gethostbyname_ex = socket.gethostbyname_ex


def _answer(host):
    name = (host.decode() if isinstance(host, bytes) else str(host or "")).lower().rstrip(".")
    if name not in _ANSWERS:
        return None
    with _LOCK:
        count = _COUNTS.get(name, 0)
        _COUNTS[name] = count + 1
    rounds = _ANSWERS[name]
    if not rounds:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return rounds[min(count, len(rounds) - 1)]


def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):  # noqa: A002 - socket's signature
    addresses = _answer(host)
    if addresses is None:
        return _real_getaddrinfo(host, port, family, type, proto, flags)
    port = int(port or 0) if not isinstance(port, str) or port.isdigit() else 0
    out = []
    for address in addresses:
        if ":" in address:
            out.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0)))
        else:
            out.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)))
    return out


def gethostbyname(host):
    addresses = _answer(host)
    if addresses is None:
        return _real_gethostbyname(host)
    v4 = [a for a in addresses if ":" not in a]
    if not v4:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return v4[0]


def gethostbyname_ex(host):
    addresses = _answer(host)
    if addresses is None:
        return _real_gethostbyname_ex(host)
    return host, [], [a for a in addresses if ":" not in a]


if _ANSWERS:
    socket.getaddrinfo = getaddrinfo
    socket.gethostbyname = gethostbyname
    socket.gethostbyname_ex = gethostbyname_ex

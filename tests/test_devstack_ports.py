"""devstack.temporal.ensure_port_free: a port whose last connection lingers in TIME-WAIT
(right after `make dev` stopped) is free; a port something listens on is not."""

import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from devstack.temporal import ensure_port_free

HOST = "127.0.0.1"
TCP_STATES = {"01": "ESTABLISHED", "06": "TIME_WAIT", "0A": "LISTEN"}


def tcp_states(port: int) -> list[str]:
    """The states of the IPv4 TCP sockets whose local port is `port` (Linux)."""
    states = []
    with open("/proc/net/tcp") as table:
        for line in list(table)[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                states.append(TCP_STATES.get(fields[3], fields[3]))
    return states


@contextmanager
def listener(ip: str = HOST, port: int = 0, reuse: bool = True) -> Iterator[socket.socket]:
    """A listening socket, bound the way uvicorn and Go servers bind (SO_REUSEADDR)."""
    with socket.socket() as server:
        if reuse:
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((ip, port))
        server.listen()
        yield server


def stopped_server_port() -> int:
    """A port whose server accepted a connection, closed it first, and stopped: what a
    server leaves behind on its own port, a socket in TIME-WAIT."""
    with listener() as server:
        port = server.getsockname()[1]
        client = socket.create_connection((HOST, port))
        conn, _ = server.accept()
        conn.close()  # the server closes first ...
        assert client.recv(1) == b""
        client.close()  # ... and the client answers: the server's end waits in TIME-WAIT
    return port


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc/net/tcp")
def test_a_port_in_time_wait_is_free():
    port = stopped_server_port()
    assert tcp_states(port) == ["TIME_WAIT"]
    with socket.socket() as plain, pytest.raises(OSError):  # what the check did before
        plain.bind((HOST, port))
    ensure_port_free(HOST, port)
    with listener(port=port):  # and a server can indeed listen there
        pass


def test_a_port_with_a_live_listener_is_refused_with_a_clear_message():
    with listener() as server:
        port = server.getsockname()[1]
        with pytest.raises(RuntimeError) as refused:
            ensure_port_free(HOST, port)
    assert str(refused.value).startswith(f"{HOST}:{port} is in use: a process is listening on it")
    assert f"sport = :{port}" in str(refused.value)
    ensure_port_free(HOST, port)  # free once the listener is gone


@pytest.mark.parametrize(("ip", "reuse"), [("0.0.0.0", True), (HOST, False)])
def test_any_listener_on_the_port_counts(ip, reuse):
    with listener(ip, reuse=reuse) as server:
        port = server.getsockname()[1]
        with pytest.raises(RuntimeError, match="is in use"):
            ensure_port_free(HOST, port)


def test_a_port_with_an_open_connection_but_no_listener_is_free():
    """An established connection left on the port (a client still attached to a server
    that has stopped listening) is not a listener either."""
    with listener() as server:
        port = server.getsockname()[1]
        client = socket.create_connection((HOST, port))
        conn, _ = server.accept()
    try:
        ensure_port_free(HOST, port)
    finally:
        conn.close()
        client.close()

"""A three-node RabbitMQ cluster on this machine, for tests: Debian's RabbitMQ, each node on
free ports with its own data, logs, config and plugins files under one directory, sharing an
Erlang cookie kept there too. The node the test suite uses (127.0.0.1:5672, rabbit@localhost)
is never touched: every command names its node, and /etc/rabbitmq/rabbitmq-env.conf is
replaced by a file of the cluster's own.

    python -m tests.support.rabbitmq_cluster start DIR   # prints the AMQP URIs, one a line
    python -m tests.support.rabbitmq_cluster stop DIR

(scripts/rabbitmq-cluster.sh runs these.) ``DIR/cluster.json`` records the nodes, so ``stop``
finds them from another process.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"
CTL = "/usr/lib/rabbitmq/bin/rabbitmqctl"
STATE = "cluster.json"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Node:
    name: str       # e.g. tcpl-c1-<tag>@localhost
    port: int       # AMQP
    dist_port: int  # Erlang distribution
    base: str       # its directory
    pid: int | None = None  # the beam process, once it started

    @property
    def uri(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"


class Cluster:
    def __init__(self, directory: Path, nodes: list[Node]):
        self.directory = Path(directory)
        self.nodes = nodes

    # -- the environment every server and CLI call of this cluster runs with -----------------
    def env(self, node: Node) -> dict:
        base = Path(node.base)
        return dict(
            os.environ,
            HOME=str(self.directory / "home"),  # .erlang.cookie, shared by the three nodes
            RABBITMQ_CONF_ENV_FILE=str(self.directory / "rabbitmq-env.conf"),
            RABBITMQ_NODENAME=node.name,
            RABBITMQ_NODE_IP_ADDRESS="127.0.0.1",
            RABBITMQ_NODE_PORT=str(node.port),
            RABBITMQ_DIST_PORT=str(node.dist_port),
            RABBITMQ_MNESIA_BASE=str(base / "mnesia"),
            RABBITMQ_LOG_BASE=str(base / "log"),
            RABBITMQ_PID_FILE=str(base / "beam.pid"),
            RABBITMQ_CONFIG_FILE=str(base / "rabbitmq.conf"),
            RABBITMQ_ADVANCED_CONFIG_FILE=str(base / "advanced.config"),
            RABBITMQ_ENABLED_PLUGINS_FILE=str(self.directory / "enabled_plugins"),
            RABBITMQ_ALLOW_INPUT="",
        )

    def ctl(self, node: Node, *args: str, timeout: float = 60, check: bool = True) -> str:
        done = subprocess.run([CTL, "-n", node.name, *args], env=self.env(node),
                              capture_output=True, text=True, timeout=timeout)
        if check and done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl -n {node.name} {' '.join(args)}: "
                               f"{done.stdout}{done.stderr}")
        return done.stdout

    # -- life ----------------------------------------------------------------------------------
    @classmethod
    def create(cls, directory: Path, size: int = 3) -> Cluster:
        directory = Path(directory).resolve()
        directory.mkdir(parents=True, exist_ok=True)
        home = directory / "home"
        home.mkdir(exist_ok=True)
        cookie = home / ".erlang.cookie"
        if not cookie.exists():
            cookie.write_text(secrets.token_hex(20))
        cookie.chmod(0o400)
        # Loopback only, like the suite's node; and nothing of /etc/rabbitmq's node name.
        (directory / "rabbitmq-env.conf").write_text(
            "ERL_EPMD_ADDRESS=127.0.0.1\n"
            'export ERL_FLAGS="-kernel inet_dist_use_interface {127,0,0,1}"\n')
        (directory / "enabled_plugins").write_text("[].\n")  # no management, no prometheus
        tag = secrets.token_hex(3)
        nodes = []
        for index in range(1, size + 1):
            base = directory / f"node{index}"
            for sub in ("mnesia", "log"):
                (base / sub).mkdir(parents=True, exist_ok=True)
            node = Node(f"tcpl-c{index}-{tag}@localhost", free_port(), free_port(), str(base))
            (base / "rabbitmq.conf").write_text(
                f"listeners.tcp.default = 127.0.0.1:{node.port}\n"
                "log.console = false\n"
                "log.file.level = warning\n"
                # a test's small disk must not block publishers
                "disk_free_limit.absolute = 10MB\n")
            (base / "advanced.config").write_text("[].\n")
            nodes.append(node)
        return cls(directory, nodes)

    @classmethod
    def load(cls, directory: Path) -> Cluster:
        directory = Path(directory).resolve()
        state = json.loads((directory / STATE).read_text())
        return cls(directory, [Node(**n) for n in state["nodes"]])

    def save(self) -> None:
        (self.directory / STATE).write_text(json.dumps({"nodes": [asdict(n) for n in self.nodes]}))

    def start(self, timeout: float = 120) -> Cluster:
        """Start every node, join the others to the first, and wait until the first sees them
        all running."""
        for node in self.nodes:
            self._spawn(node)
        self.save()
        for node in self.nodes:
            self._await(node, timeout)
        first, others = self.nodes[0], self.nodes[1:]
        # The others stop and start their applications side by side (each takes seconds);
        # they join the first one after the other, each a change of the cluster's schema.
        self._each(others, "stop_app")
        for node in others:
            self.ctl(node, "join_cluster", first.name)
        self._each(others, "start_app")
        self.wait_running(len(self.nodes), timeout)
        return self

    def _each(self, nodes: list[Node], *args: str) -> None:
        with ThreadPoolExecutor(len(nodes)) as pool:
            for done in [pool.submit(self.ctl, node, *args) for node in nodes]:
                done.result()

    def _spawn(self, node: Node) -> None:
        log = open(Path(node.base) / "server.out", "ab")
        # A session of its own: the node outlives nothing of ours by accident, and a signal
        # to the test's process group never reaches it.
        subprocess.Popen([SERVER], env=self.env(node), stdout=log, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()

    def _await(self, node: Node, timeout: float) -> None:
        # await_startup gives up at once while the node has not yet registered with epmd.
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.ctl(node, "await_startup", "--timeout", str(int(timeout)),
                         timeout=timeout + 10)
                break
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        node.pid = int((Path(node.base) / "beam.pid").read_text().split()[0])
        self.save()

    def running_nodes(self, via: Node | None = None) -> list[str]:
        for node in [via] if via else self.alive():
            try:
                status = json.loads(self.ctl(node, "cluster_status", "--formatter", "json",
                                             timeout=30))
                return sorted(status.get("running_nodes", []))
            except Exception:
                continue
        return []

    def wait_running(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.running_nodes()) == count:
                return
            time.sleep(0.5)
        raise TimeoutError(f"the cluster did not show {count} running nodes: {self.running_nodes()}")

    def alive(self) -> list[Node]:
        return [n for n in self.nodes if n.pid and _alive(n.pid)]

    def kill(self, node: Node) -> None:
        """SIGKILL the node's Erlang VM: no goodbye to its peers or its clients."""
        os.kill(node.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while _alive(node.pid) and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self) -> None:
        for node in self.nodes:
            if node.pid and _alive(node.pid):
                try:
                    self.ctl(node, "stop", timeout=30)
                except Exception:
                    pass
        for node in self.nodes:
            deadline = time.monotonic() + 15
            while node.pid and _alive(node.pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if node.pid and _alive(node.pid):
                os.kill(node.pid, signal.SIGKILL)
        # The shells that wrapped each beam exit with it.

    @property
    def uris(self) -> list[str]:
        return [n.uri for n in self.nodes]

    def amqp_uri(self, first: int = 0) -> str:
        """Every node's URI, ``;``-separated, starting with node ``first``: what a client
        given the whole cluster tries, in that order (kernel/messaging.py, connect)."""
        ordered = self.nodes[first:] + self.nodes[:first]
        return ";".join(n.uri for n in ordered)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (our own child, not yet reaped) is dead too
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print(__doc__, file=sys.stderr)
        return 2
    command, directory = argv
    if command == "start":
        cluster = Cluster.create(Path(directory)).start()
        print("\n".join(cluster.uris))
    else:
        Cluster.load(Path(directory)).stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Services as real processes (`nameko run`), to kill and restart them."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from nameko.standalone.rpc import ClusterRpcProxy

ROOT = Path(__file__).resolve().parents[2]
NAMEKO = str(Path(sys.executable).with_name("nameko"))


class ServiceProcess:
    def __init__(self, target: str, service: str, env: dict, log_path: Path):
        self.target, self.service, self.env, self.log_path = target, service, env, log_path
        self.process = None

    def start(self):
        env = dict(os.environ, PYTHONPATH=str(ROOT), **self.env)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [NAMEKO, "run", "--config", str(ROOT / "config/nameko.yaml"), self.target],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        return self

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        config = {"AMQP_URI": self.env["AMQP_URI"]}
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.service} exited: {self.log_path.read_text()[-3000:]}")
            try:
                with ClusterRpcProxy(config, timeout=2) as proxy:
                    return getattr(proxy, self.service).health()
            except Exception:
                time.sleep(0.2)
        raise TimeoutError(f"{self.service} did not answer in {timeout}s")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

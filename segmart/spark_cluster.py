"""A Spark standalone cluster on this machine, for the thrift target (`segmart spark-cluster`).

From the pinned pyspark wheel (its bin/spark-class and jars, which include the Hive Thrift
server), `run` starts a standalone Master and N Workers on 127.0.0.1 and the Spark Thrift Server
(HiveThriftServer2, a spark-submit against that master), each on free ports picked here, waits
until the workers are registered and the server's executors granted, then runs a command with
env vars saying where everything is:

    SEGMART_SPARK_MASTER        spark://127.0.0.1:<port>
    SEGMART_SPARK_THRIFT_HOST   127.0.0.1
    SEGMART_SPARK_THRIFT_PORT   <port>  (profiles.yml, target spark_cluster)
    SEGMART_SPARK_DIR           the folder (absolute) holding warehouse/, metastore_db/ and logs/

and stops every process it started, by process group (a Worker's executors are in its group),
also when the command fails or this process gets SIGINT / SIGTERM / SIGHUP. The exit code is the
command's (128 + the signal's number when a signal stopped the run).

The Thrift server owns the metastore (Derby, embedded: one JVM at a time) while it runs. The
settings that change results (SQL_CONFS: the session target's) are server confs, so every Thrift
session starts with them. Each daemon's output is kept in SEGMART_SPARK_DIR/logs/<name>.log; a
daemon that fails to start is one error line naming its log, after the log's last lines.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from segmart.errors import SegmartError, require_extra

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
THRIFT_SERVER = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"

# The settings of the session target (profiles.yml, target spark) that change results. On the
# cluster they are the Thrift server's confs: every session starts from them.
# tests_py/test_spark_cluster.py checks that they equal the session target's.
SQL_CONFS = {
    "spark.sql.session.timeZone": "UTC",
    # tables are Parquet data source tables, not Hive serde tables
    "spark.sql.legacy.createHiveTableByDefault": "false",
    # unparseable text gives NULL (the row is quarantined), never an error
    "spark.sql.legacy.timeParserPolicy": "CORRECTED",
    "spark.sql.ansi.enabled": "false",
}

LOG_TAIL_LINES = 25
STOP_GRACE_SECONDS = 20


class SparkClusterError(SegmartError):
    """The cluster could not start: one line, naming the daemon's log."""

    exit_code = 1


@dataclass
class Settings:
    """Sizes and limits (defaults for a 2-core laptop; env vars in the CLI's help)."""

    workers: int = 2
    worker_cores: int = 1
    worker_memory: str = "1g"  # also each executor's memory: one executor per worker
    driver_memory: str = "2g"  # the Thrift server's JVM (driver, metastore, result rows)
    daemon_memory: str = "512m"  # the Master's and each Worker's JVM
    # Each Worker offers room for this many applications side by side, each with worker_cores
    # cores and worker_memory: the Thrift server's, and a batch job's beside it (segmart's CLV
    # step scores on the executors while the Thrift server keeps its own).
    applications: int = 2
    shuffle_partitions: int = 4
    start_timeout: float = 180.0  # seconds for each daemon to come up


@dataclass
class Daemon:
    name: str
    process: subprocess.Popen
    log_path: Path


@dataclass
class Cluster:
    spark_dir: Path
    settings: Settings = field(default_factory=Settings)
    daemons: list[Daemon] = field(default_factory=list)
    master_url: str = ""
    master_ui_port: int = 0
    thrift_port: int = 0
    _taken_ports: set[int] = field(default_factory=set)

    def env(self) -> dict[str, str]:
        """The env vars the command gets (the last three size a batch application beside the
        Thrift server, such as the CLV step: segmart/spark_build.py)."""
        s = self.settings
        return {
            "SEGMART_SPARK_MASTER": self.master_url,
            "SEGMART_SPARK_THRIFT_HOST": HOST,
            "SEGMART_SPARK_THRIFT_PORT": str(self.thrift_port),
            "SEGMART_SPARK_DIR": str(self.spark_dir),
            "SEGMART_SPARK_DRIVER_HOST": HOST,
            "SEGMART_SPARK_APP_CORES": str(s.workers * s.worker_cores),
            "SEGMART_SPARK_EXECUTOR_MEMORY": s.worker_memory,
        }

    # --- start --------------------------------------------------------------------------------

    def start(self) -> None:
        """Master, then the Workers, then the Thrift server; returns when all are up."""
        home = spark_home()
        (self.spark_dir / "logs").mkdir(parents=True, exist_ok=True)
        (self.spark_dir / "conf").mkdir(exist_ok=True)  # an empty SPARK_CONF_DIR: no stray defaults
        started = time.monotonic()
        self._start_master(home)
        for number in range(1, self.settings.workers + 1):
            self._spawn(
                f"worker-{number}",
                [str(home / "bin" / "spark-class"), "org.apache.spark.deploy.worker.Worker", self.master_url]
                + ["--host", HOST, "--port", "0", "--webui-port", str(self._port())]
                + ["--cores", str(self.settings.worker_cores * self.settings.applications)]
                + ["--memory", _times(self.settings.worker_memory, self.settings.applications)]
                + ["--work-dir", str(self.spark_dir / "work")],
                home,
            )
        self._wait(
            "workers",
            lambda: self._master_state().get("aliveworkers", 0) >= self.settings.workers,
            f"{self.settings.workers} workers registered with the master",
        )
        self._start_thrift_server(home)
        log.info(
            "Spark cluster up in %.0fs: master %s (UI http://%s:%d), %d workers, Thrift server %s:%d; logs in %s",
            time.monotonic() - started,
            self.master_url,
            HOST,
            self.master_ui_port,
            self.settings.workers,
            HOST,
            self.thrift_port,
            self.spark_dir / "logs",
        )

    def _start_master(self, home: Path) -> None:
        master = self._spawn(
            "master",
            [str(home / "bin" / "spark-class"), "org.apache.spark.deploy.master.Master"]
            + ["--host", HOST, "--port", str(self._port()), "--webui-port", str(self._port())],
            home,
        )
        # Spark moves to the next port when one is taken: read the ports it bound from its log
        found: dict[str, int] = {}

        def bound() -> bool:
            text = _read(master.log_path)
            rpc = re.search(r"started service 'sparkMaster' on port (\d+)", text)
            ui = re.search(r"started service 'MasterUI' on port (\d+)", text)
            if rpc and ui and "elected leader" in text:
                found.update(rpc=int(rpc.group(1)), ui=int(ui.group(1)))
                return True
            return False

        self._wait("master", bound, "the master elected leader")
        self.master_url = f"spark://{HOST}:{found['rpc']}"
        self.master_ui_port = found["ui"]

    def _start_thrift_server(self, home: Path, attempts: int = 3) -> None:
        """The Thrift server binds its port only after ~10 s of start-up, so another process may
        take it in between: then it is started again on another port."""
        s = self.settings
        for attempt in range(1, attempts + 1):
            self.thrift_port = self._port()
            confs = {
                **SQL_CONFS,
                "spark.master": self.master_url,
                "spark.app.name": "segmart-thrift-server",
                "spark.driver.host": HOST,
                "spark.driver.bindAddress": HOST,
                "spark.driver.memory": s.driver_memory,
                "spark.executor.memory": s.worker_memory,
                "spark.executor.cores": str(s.worker_cores),
                "spark.cores.max": str(s.workers * s.worker_cores),
                "spark.sql.shuffle.partitions": str(s.shuffle_partitions),
                "spark.ui.enabled": "false",
                "spark.sql.warehouse.dir": str(self.spark_dir / "warehouse"),
                "spark.hadoop.javax.jdo.option.ConnectionURL": (
                    f"jdbc:derby:;databaseName={self.spark_dir / 'metastore_db'};create=true"
                ),
                "spark.driver.extraJavaOptions": f"-Dderby.system.home={self.spark_dir}",
                # executors run Python (pandas UDFs) with this interpreter, as the driver does
                "spark.pyspark.python": sys.executable,
            }
            command = [str(home / "bin" / "spark-submit"), "--class", THRIFT_SERVER, "--name", "segmart-thrift-server"]
            for key, value in confs.items():
                command += ["--conf", f"{key}={value}"]
            command += ["spark-internal"]
            command += ["--hiveconf", f"hive.server2.thrift.port={self.thrift_port}"]
            command += ["--hiveconf", f"hive.server2.thrift.bind.host={HOST}"]
            name = "thrift-server" if attempt == 1 else f"thrift-server-{attempt}"
            server = self._spawn(name, command, home, memory=s.driver_memory)
            try:
                self._wait("Thrift server", lambda: _accepts(self.thrift_port), f"port {self.thrift_port} open")
            except SparkClusterError:
                if attempt < attempts and server.process.poll() is not None and _bind_failed(server.log_path):
                    log.warning("Thrift server port %d was taken meanwhile; trying another", self.thrift_port)
                    continue
                raise
            break
        cores = s.workers * s.worker_cores
        self._wait(
            "executors",
            lambda: any(app.get("cores", 0) >= cores for app in self._master_state().get("activeapps", [])),
            f"the Thrift server's {cores} executor cores granted by the master",
        )

    def _spawn(self, name: str, command: list[str], home: Path, memory: str | None = None) -> Daemon:
        """Start a daemon in its own process group, its output in logs/<name>.log. `memory`: its
        JVM heap (SPARK_DAEMON_MEMORY, which spark-submit also takes for the Thrift server)."""
        log_path = self.spark_dir / "logs" / f"{name}.log"
        env = dict(os.environ)
        env.update(
            SPARK_HOME=str(home),
            SPARK_CONF_DIR=str(self.spark_dir / "conf"),
            SPARK_LOCAL_IP=HOST,
            SPARK_LOG_DIR=str(self.spark_dir / "logs"),
            SPARK_DAEMON_MEMORY=memory or self.settings.daemon_memory,
            PYSPARK_PYTHON=sys.executable,
        )
        log.debug("starting %s: %s", name, " ".join(command))
        with open(log_path, "wb") as out:
            # its own process group: stopping it stops what it started (a Worker's executors)
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        daemon = Daemon(name, process, log_path)
        self.daemons.append(daemon)
        return daemon

    def _port(self) -> int:
        port = free_port(self._taken_ports)
        self._taken_ports.add(port)
        return port

    def _master_state(self) -> dict:
        """The master's JSON status (workers, applications), {} while it does not answer."""
        try:
            with urllib.request.urlopen(f"http://{HOST}:{self.master_ui_port}/json/", timeout=5) as response:
                return json.load(response)
        except (OSError, ValueError):
            return {}

    def _wait(self, what: str, ready, description: str) -> None:
        """Poll `ready` until it holds; fail with the log of a daemon that died, or on timeout."""
        deadline = time.monotonic() + self.settings.start_timeout
        while True:
            for daemon in self.daemons:
                code = daemon.process.poll()
                if code is not None:
                    raise self._failure(daemon, f"exited with code {code}")
            if ready():
                return
            if time.monotonic() > deadline:
                culprit = self.daemons[-1]
                raise self._failure(
                    culprit, f"not ready after {self.settings.start_timeout:.0f}s (waiting for {description})"
                )
            time.sleep(0.5)

    def _failure(self, daemon: Daemon, why: str) -> SparkClusterError:
        tail = _read(daemon.log_path).splitlines()[-LOG_TAIL_LINES:]
        if tail:
            sys.stderr.write(f"--- last lines of {daemon.log_path} ---\n" + "\n".join(tail) + "\n---\n")
        return SparkClusterError(f"the Spark {daemon.name} did not start: {why}; its log: {daemon.log_path}")

    # --- stop ---------------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop every daemon, the last started first (the Thrift server shuts its application
        down before the workers go), each by its process group: SIGTERM, then SIGKILL."""
        for daemon in reversed(self.daemons):
            stop_group(daemon.process, STOP_GRACE_SECONDS)
            log.debug("stopped %s (pid %d)", daemon.name, daemon.process.pid)
        self.daemons.clear()


def stop_group(process: subprocess.Popen, grace: float) -> None:
    """SIGTERM to the process group led by `process`, SIGKILL to what is left after `grace`
    seconds. The group id is the leader's pid (start_new_session)."""
    group = process.pid
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    # the leader has exited (or not, after the grace): whatever is left of its group goes now
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)
    process.wait()


def spark_home() -> Path:
    """The pyspark package folder: it has bin/spark-class and jars/ (with the Thrift server)."""
    require_extra("spark")
    spec = importlib.util.find_spec("pyspark")
    home = Path(next(iter(spec.submodule_search_locations)))
    if not (home / "bin" / "spark-class").exists() or not list((home / "jars").glob("spark-hive-thriftserver_*.jar")):
        raise SparkClusterError(f"{home}: this pyspark has no bin/spark-class or no Thrift server jar (pip wheel?)")
    return home


def free_port(taken: set[int] = frozenset()) -> int:
    """A free TCP port on 127.0.0.1 below the kernel's ephemeral range (so that no port Spark
    or anyone asks the kernel for can land on it before our daemon binds it)."""
    low = 32768
    with contextlib.suppress(OSError, ValueError):
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    choose = random.SystemRandom()
    for _ in range(200):
        port = choose.randrange(20000, max(low, 20001))
        if port in taken:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                continue
        return port
    raise SparkClusterError("no free port found on 127.0.0.1 between 20000 and the ephemeral range")


def _accepts(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as client:
        client.settimeout(1)
        return client.connect_ex((HOST, port)) == 0


def _bind_failed(log_path: Path) -> bool:
    text = _read(log_path)
    return "Address already in use" in text or "BindException" in text


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""


class _Stopped(Exception):
    """SIGINT, SIGTERM or SIGHUP arrived."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def run(command: Sequence[str], spark_dir: Path, settings: Settings | None = None) -> int:
    """Start the cluster, run `command` with its env vars, stop the cluster; the command's exit
    code (128 + signal number when a signal stopped the run)."""
    if not command:
        raise SegmartError("no command to run: segmart spark-cluster -- CMD ...")
    cluster = Cluster(Path(spark_dir).resolve(), settings or Settings())
    child: subprocess.Popen | None = None

    def on_signal(signum, frame):
        raise _Stopped(signum)

    previous = {s: signal.signal(s, on_signal) for s in STOP_SIGNALS}
    try:
        cluster.start()
        env = {**os.environ, **cluster.env()}
        log.info("running %s", " ".join(command))
        # its own process group, so that a signal reaches the whole command (a shell's children)
        child = subprocess.Popen(list(command), env=env, process_group=0)
        with _foreground(child.pid):
            return child.wait()
    except _Stopped as stopped:
        log.warning("got %s: stopping the command and the cluster", signal.Signals(stopped.signum).name)
        if child is not None and child.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.pid, stopped.signum)
            try:
                child.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                stop_group(child, 0)
        return 128 + stopped.signum
    finally:
        # no second signal may cut the clean-up short
        for s in STOP_SIGNALS:
            signal.signal(s, signal.SIG_IGN)
        try:
            cluster.stop()
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)


@contextlib.contextmanager
def _foreground(group: int):
    """On a terminal, make the command's process group the foreground one (Ctrl+C and reads of
    the terminal go to it, as a shell does), and take the terminal back afterwards."""
    try:
        fd = sys.stdin.fileno()
        mine = os.isatty(fd) and os.tcgetpgrp(fd) == os.getpgrp()
    except (OSError, ValueError):
        mine = False
    if not mine:
        yield
        return
    old = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    try:
        os.tcsetpgrp(fd, group)
        yield
    finally:
        with contextlib.suppress(OSError):
            os.tcsetpgrp(fd, os.getpgrp())
        signal.signal(signal.SIGTTOU, old)


def _times(memory: str, factor: int) -> str:
    """A JVM memory size (512m, 1g, 2048k) times a whole number, in the same unit; anything else
    unchanged (the Worker then refuses it, with its own message in its log)."""
    match = re.fullmatch(r"(\d+)([kmgt]?)b?", memory.strip().lower())
    return f"{int(match.group(1)) * factor}{match.group(2)}" if match else memory


def fix_pyhive_empty_results() -> None:
    """Let PyHive 0.7 read Spark 3.5's empty results.

    Spark 3.5's Thrift server answers the fetch of an empty result (a DDL statement, a query
    without rows) with no column list at all where Spark 3.3 sent empty columns; PyHive 0.7, the
    last release, then fails with "'NoneType' object is not iterable" (dbt-spark's thrift method
    on the first `create database` it fetches). This gives such an answer an empty column list,
    which PyHive reads as no rows. For every process that talks to the Thrift server through
    PyHive: `python -m segmart.spark_cluster dbt ...` (dbt), tests_py/parity.py (the parity test).
    """
    from pyhive import hive

    client = hive.TCLIService.Client
    if getattr(client.FetchResults, "segmart_fixed", False):
        return
    fetch = client.FetchResults

    def fetch_results(self, request):
        response = fetch(self, request)
        results = response.results
        if results is not None and results.columns is None and not results.rows:
            results.columns = []
        return response

    fetch_results.segmart_fixed = True
    client.FetchResults = fetch_results


def main(argv: list[str] | None = None) -> int:
    """`python -m segmart.spark_cluster dbt ARGS...`: dbt's own command line (its output and exit
    codes), with PyHive fixed for Spark 3.5 (fix_pyhive_empty_results)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] != ["dbt"]:
        print("usage: python -m segmart.spark_cluster dbt ARGS...", file=sys.stderr)
        return 2
    fix_pyhive_empty_results()
    from dbt.cli.main import cli

    sys.argv = args
    return cli()


if __name__ == "__main__":
    sys.exit(main())

"""`segmart spark-cluster`: a standalone Spark cluster on 127.0.0.1 around a command.

The cluster tests (marked spark; `make test-spark` runs them after the cluster build) start real
clusters (one worker each, to be quick) in a temporary SEGMART_SPARK_DIR and check what matters
to whoever runs the launcher: the command sees a working cluster through the env vars, with the
settings that change results; its exit code comes back; and no Java process of the cluster
(master, worker, executor, Thrift server) outlives the run, whether the command fails, the
launcher is sent SIGTERM, or a daemon fails to start. A cluster's Java processes are found by
their SPARK_CONF_DIR (the run's own folder) on their command line.

The other tests (no Spark needed) check that the cluster's settings are the session target's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from helpers import PROJECT

from segmart import spark_cluster

SEGMART = str(Path(sys.executable).with_name("segmart"))


def java_processes(spark_dir: Path) -> dict[int, str]:
    """pid -> command line of the Java processes whose command line names spark_dir."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        line = b" ".join(args).decode(errors="replace")
        if args and args[0].endswith(b"java") and str(spark_dir) in line:
            found[int(entry.name)] = line
    return found


def roles(processes: dict[int, str]) -> list[str]:
    names = {
        "deploy.master.Master": "master",
        "deploy.worker.Worker": "worker",
        "CoarseGrainedExecutorBackend": "executor",
        "HiveThriftServer2": "thrift-server",
    }
    return sorted(role for line in processes.values() for key, role in names.items() if key in line)


def assert_none_left(spark_dir: Path, pids: list[int]) -> None:
    """No pid of the run is alive any more (nor any other Java process naming its folder)."""
    alive = [pid for pid in pids if Path(f"/proc/{pid}").exists() and _state(pid) != "Z"]
    assert not alive, f"still running after the launcher ended: {alive}"
    assert java_processes(spark_dir) == {}


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def launcher(spark_dir: Path, command: list[str], *options: str, **kwargs) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEGMART_SPARK_")}
    return subprocess.Popen(
        [SEGMART, "spark-cluster", "--workers", "1", "--spark-dir", str(spark_dir), *options, "--", *command],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


# what the command runs inside the cluster: checks the cluster through PyHive, records the
# cluster's Java processes, then fails with exit code 3
INSIDE = r"""
import json, os, socket, sys
sys.path.insert(0, "tests_py")
import parity
from test_spark_cluster import java_processes, roles
from pathlib import Path

spark_dir = Path(os.environ["SEGMART_SPARK_DIR"])
connection = parity.thrift_connection()
cursor = connection.cursor()
cursor.execute("select count(*), count(distinct p) from (select spark_partition_id() p from range(0, 100000, 1, 4))")
rows, partitions = cursor.fetchall()[0]
settings = {}
for key in parity_confs:
    cursor.execute(f"set {key}")
    settings[key] = cursor.fetchall()[0][1]
cursor.execute("create database if not exists probe")  # an empty result (Spark 3.5: no columns)
empty = cursor.fetchall()
processes = java_processes(spark_dir)
json.dump(
    {
        "env": {k: v for k, v in os.environ.items() if k.startswith("SEGMART_SPARK_")},
        "rows": rows,
        "partitions": partitions,
        "settings": settings,
        "empty": empty,
        "pids": list(processes),
        "roles": roles(processes),
    },
    open(sys.argv[1], "w"),
)
sys.exit(3)
"""


@pytest.mark.spark
def test_a_failing_command_gets_a_working_cluster_and_leaves_no_process(tmp_path):
    spark_dir = tmp_path / "spark"
    report = tmp_path / "inside.json"
    script = f"parity_confs = {list(spark_cluster.SQL_CONFS)!r}\n" + INSIDE
    run = launcher(spark_dir, [sys.executable, "-c", script, str(report)])
    out, err = run.communicate(timeout=300)
    assert run.returncode == 3, err[-3000:]
    inside = json.loads(report.read_text())
    env = inside["env"]
    assert env["SEGMART_SPARK_MASTER"].startswith("spark://127.0.0.1:")
    assert env["SEGMART_SPARK_THRIFT_HOST"] == "127.0.0.1"
    assert int(env["SEGMART_SPARK_THRIFT_PORT"]) > 0
    assert Path(env["SEGMART_SPARK_DIR"]) == spark_dir.resolve()
    # the query ran on the executor, with the settings that change results
    assert (inside["rows"], inside["partitions"]) == (100000, 4)
    assert inside["settings"] == spark_cluster.SQL_CONFS
    assert inside["empty"] == []
    assert inside["roles"] == ["executor", "master", "thrift-server", "worker"]
    # the metastore and warehouse are the run's folder; each daemon's log is kept
    assert (spark_dir / "metastore_db").is_dir() and (spark_dir / "warehouse" / "probe.db").is_dir()
    assert {p.name for p in (spark_dir / "logs").iterdir()} == {"master.log", "worker-1.log", "thrift-server.log"}
    assert_none_left(spark_dir, inside["pids"])


@pytest.mark.spark
def test_sigterm_stops_the_command_and_every_daemon(tmp_path):
    spark_dir = tmp_path / "spark"
    started = tmp_path / "started"
    # the command: mark that it runs, then wait (a shell and its child: the whole group must stop)
    command = ["bash", "-c", f"touch {started}; sleep 600; echo not stopped"]
    run = launcher(spark_dir, command)
    deadline = time.monotonic() + 240
    while not started.exists():
        assert run.poll() is None, run.communicate()[1][-3000:]
        assert time.monotonic() < deadline, "the command never started"
        time.sleep(0.5)
    pids = list(java_processes(spark_dir))
    assert len(pids) == 4, roles(java_processes(spark_dir))
    sleeping = [
        int(p.name)
        for p in Path("/proc").iterdir()
        if p.name.isdigit() and _cmdline(p).startswith("sleep 600") and _parent_chain_has(int(p.name), run.pid)
    ]
    assert sleeping, "the command's sleep not found"
    run.send_signal(signal.SIGTERM)
    out, err = run.communicate(timeout=120)
    assert run.returncode == 128 + signal.SIGTERM, err[-3000:]
    assert "not stopped" not in out
    assert "got SIGTERM" in err
    assert_none_left(spark_dir, pids + sleeping)


def _cmdline(proc: Path) -> str:
    try:
        return (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _parent_chain_has(pid: int, ancestor: int) -> bool:
    while pid > 1:
        if pid == ancestor:
            return True
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            return False
    return False


@pytest.mark.spark
def test_a_daemon_that_fails_to_start_is_one_error_line_naming_its_log(tmp_path):
    spark_dir = tmp_path / "spark"
    ran = tmp_path / "ran"
    # a worker with an impossible memory size exits at once; the master is up by then
    run = launcher(spark_dir, ["touch", str(ran)], "--worker-memory", "lots")
    out, err = run.communicate(timeout=240)
    assert run.returncode == 1
    log_path = spark_dir.resolve() / "logs" / "worker-1.log"
    last = err.strip().splitlines()[-1]
    assert last.startswith("segmart spark-cluster: the Spark worker-1 did not start: exited with code"), err[-3000:]
    assert last.endswith(f"its log: {log_path}")
    assert f"--- last lines of {log_path} ---" in err  # the log's tail comes first
    assert not ran.exists()
    assert java_processes(spark_dir.resolve()) == {}


def test_the_cluster_gets_the_settings_that_change_results_on_the_session_target():
    """SQL_CONFS (the Thrift server's confs) are the session target's spark.sql settings that
    change results, and the thrift target sends the same as its session confs."""
    outputs = yaml.safe_load((PROJECT / "profiles.yml").read_text(encoding="utf-8"))["segmart"]["outputs"]
    session = outputs["spark"]["server_side_parameters"]
    result_settings = {
        k: str(v) for k, v in session.items() if k.startswith("spark.sql.") and k != "spark.sql.shuffle.partitions"
    }
    result_settings.pop("spark.sql.warehouse.dir", None)
    assert spark_cluster.SQL_CONFS == result_settings
    cluster = outputs["spark_cluster"]
    assert cluster["method"] == "thrift" and cluster["schema"] == outputs["spark"]["schema"]
    sent = {k.removeprefix("set:hiveconf:"): str(v) for k, v in cluster["server_side_parameters"].items()}
    assert sent == spark_cluster.SQL_CONFS


def test_free_ports_are_free_and_outside_the_kernels_ephemeral_range():
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    taken: set[int] = set()
    for _ in range(20):
        port = spark_cluster.free_port(taken)
        assert 20000 <= port < low and port not in taken
        taken.add(port)


def test_no_command_is_a_usage_error(capsys):
    from segmart.cli import main

    assert main(["spark-cluster", "--workers", "1"]) == 2
    assert "no command to run" in capsys.readouterr().err

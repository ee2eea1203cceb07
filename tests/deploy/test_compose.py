"""Static checks of deploy/: what can be verified without a Docker engine. The compose file
must parse, name every process, run modules and classes that exist, give each process the
environment its config needs, and create the databases its URLs name."""

import ast
import importlib.util
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from kernel import broker_access

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
BACKING = ("assessment", "plans", "publication", "survey", "accounts")
GATEWAYS = ("gateway-1", "gateway-2")
APPS = (*BACKING, *GATEWAYS)
BROKERS = ("rabbitmq-1", "rabbitmq-2", "rabbitmq-3")
INFRA = (*BROKERS, "postgres")
BROKER_SETUP = "broker-setup"
LOAD_BALANCER = "loadbalancer"

# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}
COMPOSE_VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")
# nameko's ${NAME} and ${NAME:default}
NAMEKO_VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::(?P<default>[^}]*))?\}")


def interpolate(value: str) -> str:
    """What compose makes of a value when the operator sets only the required variables."""
    def replace(match):
        if match["op"] in (":-", "-"):
            return match["arg"]
        if match["op"] in (":?", "?"):
            return f"<{match['name']}>"
        raise AssertionError(f"{match[0]} has no default: the deployment depends on the shell")
    return COMPOSE_VARIABLE.sub(replace, value)


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


def command_of(service: dict) -> list[str]:
    command = service["command"]
    assert isinstance(command, list), "write commands as lists: no shell, no word-splitting surprises"
    return command


def environment_of(service: dict) -> dict[str, str]:
    environment = service.get("environment") or {}
    assert isinstance(environment, dict), "write environments as mappings"
    return {name: interpolate(str(value)) for name, value in environment.items()}


def broker_uris(service: dict) -> list:
    """The process's AMQP_URI: one URI per broker node, separated by ``;``."""
    return [urlsplit(uri) for uri in environment_of(service)["AMQP_URI"].split(";")]


def process_of(name: str) -> str:
    """The broker user's process of a compose service: gateway-1 and gateway-2 are the gateway."""
    return "gateway" if name in GATEWAYS else name


def config_path(service: dict) -> Path:
    return REPO / command_of(service)[3]


def test_compose_names_every_service(services):
    assert set(services) == {*INFRA, *APPS, BROKER_SETUP, LOAD_BALANCER}


def test_infrastructure_images_and_healthchecks(services):
    for name in BROKERS:
        assert services[name]["image"] == "rabbitmq:3.10-management"
    assert services["postgres"]["image"] == "postgres:15"
    for name in (*INFRA, LOAD_BALANCER):
        healthcheck = services[name]["healthcheck"]
        assert healthcheck["test"][0] in ("CMD", "CMD-SHELL") and len(healthcheck["test"]) > 1
        assert services[name]["restart"] == "unless-stopped"


@pytest.mark.parametrize("name", APPS)
def test_app_services_wait_for_healthy_infrastructure(services, name):
    service = services[name]
    assert service["depends_on"] == {infra: {"condition": "service_healthy"} for infra in INFRA}
    assert service["restart"] == "unless-stopped"
    assert service["build"]["dockerfile"] == "deploy/Dockerfile"
    assert (DEPLOY / service["build"]["context"]).resolve() == REPO


@pytest.mark.parametrize("name", BACKING)
def test_backing_services_run_two_competing_replicas(services, name):
    service = services[name]
    assert service["deploy"]["replicas"] == 2
    assert "container_name" not in service and "ports" not in service  # replicas cannot share them


def test_only_the_load_balancer_publishes_a_port_to_the_network(services):
    balancer = services[LOAD_BALANCER]
    assert [interpolate(port) for port in balancer["ports"]] == ["8000:8000"]
    for name, service in services.items():  # the broker's management UI: from the host only
        if name != LOAD_BALANCER:
            assert all(port.startswith("127.0.0.1:") for port in service.get("ports", [])), name
    for name in GATEWAYS:
        gateway = services[name]
        assert environment_of(gateway)["WEB_SERVER_ADDRESS"] == "0.0.0.0:8000"
        assert "8000" in " ".join(gateway["healthcheck"]["test"])
        assert environment_of(gateway)["TRUSTED_PROXY_HOPS"] == "1"  # the balancer's hop
        assert "ports" not in gateway


def test_two_gateways_behind_the_load_balancer(services):
    balancer = services[LOAD_BALANCER]
    assert balancer["depends_on"] == {name: {"condition": "service_healthy"} for name in GATEWAYS}
    assert command_of(services["gateway-1"]) == command_of(services["gateway-2"])
    [mount] = balancer["volumes"]
    source, target, mode = mount.split(":")
    assert (source, target, mode) == ("./nginx.conf", "/etc/nginx/nginx.conf", "ro")
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    upstream = re.search(r"upstream gateways \{(.*?)\}", conf, re.DOTALL)[1]
    assert re.findall(r"server ([\w-]+):(\d+)", upstream) == [(name, "8000") for name in GATEWAYS]
    assert re.search(r"listen 8000;", conf) and "proxy_pass http://gateways;" in conf
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in conf
    [retried] = re.findall(r"^\s*proxy_next_upstream (.*);", conf, re.MULTILINE)
    assert "non_idempotent" not in retried  # a write is never sent twice by the balancer
    health = balancer["healthcheck"]["test"]
    assert health[0] == "CMD" and health[-1].endswith("/lb-health") and "location = /lb-health" in conf


@pytest.mark.parametrize("name", APPS)
def test_command_is_nameko_run_with_a_config_in_the_repo(services, name):
    command = command_of(services[name])
    assert command[:3] == ["nameko", "run", "--config"] and len(command) == 5, command
    assert config_path(services[name]).is_file(), f"{command[3]} is not in the repository"
    assert re.fullmatch(r"[a-z_][\w.]*:[A-Z]\w*", command[4]), command[4]


def _top_level_names(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
        elif isinstance(node, ast.ImportFrom):
            names.update(alias.asname or alias.name for alias in node.names)
    return names


@pytest.mark.parametrize("name", APPS)
def test_command_names_a_module_and_class_that_exist(services, name):
    module, _, cls = command_of(services[name])[4].partition(":")
    try:
        spec = importlib.util.find_spec(module)
    except ModuleNotFoundError as exc:
        pytest.fail(f"{name}: {exc}")
    assert spec is not None and spec.origin, f"{name}: module {module} not found"
    assert Path(spec.origin).resolve().is_relative_to(REPO), f"{module} resolves outside the repo"
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    assert cls in _top_level_names(tree), f"{name}: {spec.origin} defines no {cls}"


def _required_config_variables(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    return {match["name"] for match in NAMEKO_VARIABLE.finditer(text) if match["default"] is None}


@pytest.mark.parametrize("name", APPS)
def test_every_variable_the_config_requires_is_set(services, name):
    required = _required_config_variables(config_path(services[name]))
    environment = environment_of(services[name])
    missing = sorted(variable for variable in required if not environment.get(variable))
    assert not missing, f"{name} does not set {missing}, which the config has no default for"


@pytest.mark.parametrize("name", APPS)
def test_container_specific_settings_are_set(services, name):
    """The config's defaults suit a developer machine (broker on 127.0.0.1, SQLite under var/,
    a known JWT secret); in a container each must come from the environment."""
    environment = environment_of(services[name])
    assert sorted(uri.hostname for uri in broker_uris(services[name])) == list(BROKERS)
    assert environment["SUBSCRIPTION_QUEUE_TYPE"] == "quorum"
    assert environment["TCPL_JWT_SECRET"] == "<TCPL_JWT_SECRET>", "the secret must be required"
    assert environment["PSYCOPG_WAIT_FUNC"] == "wait_select"
    if name in BACKING:
        url = urlsplit(environment[f"{name.upper()}_DB_URL"])
        assert (url.scheme, url.hostname, url.port, url.path) == ("postgresql", "postgres", 5432, f"/{name}")


def test_the_config_reads_the_variables_compose_sets(services):
    """A variable compose sets but the config never reads would be silently ignored."""
    text = config_path(services["gateway-1"]).read_text(encoding="utf-8")
    read = {match["name"] for match in NAMEKO_VARIABLE.finditer(text)}
    read |= {f"{name.upper()}_DB_URL" for name in BACKING}  # kernel.nameko reads these too
    # kernel.integrity reads these from the environment
    read |= {f"{name.upper()}_SIGNING_KEY_FILE" for name in BACKING}
    read.add("PSYCOPG_WAIT_FUNC")  # read by psycopg itself
    for name in APPS:
        assert set(environment_of(services[name])) <= read, name


def test_postgres_creates_every_database_a_url_names(services):
    wanted = set()
    for name in APPS:
        for variable, value in environment_of(services[name]).items():
            if variable.endswith("_DB_URL"):
                wanted.add(urlsplit(value).path.lstrip("/"))
    assert wanted == set(BACKING)
    init = (DEPLOY / "postgres-init.sql").read_text(encoding="utf-8")
    created = set(re.findall(r"^\s*CREATE DATABASE\s+(\w+)", init, re.IGNORECASE | re.MULTILINE))
    assert wanted <= created
    mounts = services["postgres"]["volumes"]
    assert any(m.startswith("./postgres-init.sql:/docker-entrypoint-initdb.d/") for m in mounts)
    user = services["postgres"]["environment"]["POSTGRES_USER"]
    for name in BACKING:
        url = urlsplit(environment_of(services[name])[f"{name.upper()}_DB_URL"])
        assert url.username == user
        assert re.search(rf"CREATE DATABASE {name} OWNER {user};", init)


def _dockerfile_instructions() -> list[tuple[str, str]]:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def test_dockerfile_base_image_and_user():
    instructions = _dockerfile_instructions()
    assert ("FROM", "python:3.11-slim-bookworm") in instructions
    users = [rest for keyword, rest in instructions if keyword == "USER"]
    assert users and users[-1] not in ("root", "0"), "the processes must not run as root"


def test_dockerfile_installs_the_project_from_pyproject_without_dev_dependencies():
    instructions = _dockerfile_instructions()
    copies = [rest.split() for keyword, rest in instructions if keyword == "COPY"]
    runs = " ".join(rest for keyword, rest in instructions if keyword == "RUN")
    assert ["pyproject.toml", "./"] in copies
    assert re.search(r"pip install\b[^&]*\s\.(\s|$)", runs), "pyproject.toml's project is not installed"
    assert "[dev]" not in runs and ".[" not in runs and "optional-dependencies" not in runs


def test_dockerfile_copies_what_the_commands_need(services):
    copied = {rest.split()[0] for keyword, rest in _dockerfile_instructions() if keyword == "COPY"}
    for source in copied:
        assert (REPO / source).exists(), f"COPY {source}: not in the repository"
    needed = {"pyproject.toml"}
    for name in APPS:
        command = command_of(services[name])
        needed.add(Path(command[3]).parts[0])
        needed.add(command[4].split(".")[0])
    needed |= {"kernel", "reference", "storage"}  # imported by every service; uploaded files
    assert needed <= copied, f"not copied: {sorted(needed - copied)}"


def test_the_gateway_and_the_assessment_service_share_the_evidence_store(compose, services):
    """The gateway stores uploads where the assessment service checks them: one volume on one
    host, at the path both configs name, created in the image for the app user to own."""
    for name in (*GATEWAYS, "assessment"):
        environment = environment_of(services[name])
        [mount] = [m for m in services[name]["volumes"] if m.startswith("evidence:")]
        assert mount == f"evidence:{environment['EVIDENCE_STORE']}"
    assert "evidence" in compose_volumes()
    for name in ("plans", "publication", "survey"):  # never given the files
        assert "EVIDENCE_STORE" not in environment_of(services[name])
        assert not services[name].get("volumes")
    runs = " ".join(rest for keyword, rest in _dockerfile_instructions() if keyword == "RUN")
    store = Path(environment_of(services["gateway-1"])["EVIDENCE_STORE"]).relative_to("/app")
    assert f"mkdir -p {store}" in runs and "chown -R tcpl:tcpl var" in runs


def test_dockerfile_ignore_file_keeps_secrets_and_the_virtualenv_out():
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").split()
    assert "deploy/keys" in ignored  # the private signing keys never enter an image
    assert {".venv", ".git", "deploy/.env"} <= set(ignored)


def test_compose_file_has_no_tabs_and_documents_how_to_run():
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    assert "\t" not in text
    assert "docker compose -f deploy/compose.yaml" in text
    assert os.path.exists(DEPLOY / ".env.example")


# -- the broker's users (kernel/broker_access.py) ---------------------------------------------

def test_each_process_connects_as_its_own_broker_user(services):
    for name in APPS:
        for url in broker_uris(services[name]):
            assert url.username == broker_access.user_name(process_of(name))
            assert url.password == f"<TCPL_BROKER_PASSWORD_{process_of(name).upper()}>", \
                "a required secret"
    for name, service in services.items():
        assert not any("guest" in value for value in environment_of(service).values()), name
        assert "RABBITMQ_DEFAULT_USER" not in environment_of(service)


def rabbitmq_conf() -> dict[str, str]:
    return dict(line.split(" = ", 1) for line in
                (DEPLOY / "rabbitmq.conf").read_text(encoding="utf-8").splitlines()
                if line and not line.startswith("#"))


@pytest.mark.parametrize("name", BROKERS)
def test_the_broker_loads_the_users_broker_setup_writes(services, name):
    setup, rabbitmq = services[BROKER_SETUP], services[name]
    command = command_of(setup)
    assert command[:4] == ["python", "-m", "kernel.broker_access", "definitions"]
    written = Path(command[command.index("--out") + 1])
    assert rabbitmq["depends_on"] == {BROKER_SETUP: {"condition": "service_completed_successfully"}}
    assert setup["restart"] == "no" and setup["image"] == services["gateway-1"]["image"]
    # The file goes through a named volume, which the broker mounts read-only.
    [setup_mount] = setup["volumes"]
    volume, _, setup_dir = setup_mount.partition(":")
    assert written.parent == Path(setup_dir) and volume in compose_volumes()
    [broker_dir] = [m.split(":")[1] for m in rabbitmq["volumes"] if m.startswith(f"{volume}:")]
    conf_mount = next(m for m in rabbitmq["volumes"] if m.startswith("./rabbitmq.conf:"))
    assert conf_mount.split(":")[1].startswith("/etc/rabbitmq/conf.d/")
    conf = rabbitmq_conf()
    assert conf["load_definitions"] == str(Path(broker_dir) / written.name)
    assert conf["loopback_users.guest"] == "true"  # guest never usable from the network
    # Every process's password, and the administrator's, reach the set-up, required.
    environment = environment_of(setup)
    for process in broker_access.PROCESSES:
        variable = f"TCPL_BROKER_PASSWORD_{process.upper()}"
        assert environment[variable] == f"<{variable}>"
    assert environment["TCPL_BROKER_ADMIN_PASSWORD"] == "<TCPL_BROKER_ADMIN_PASSWORD>"


def test_three_broker_nodes_form_one_cluster_with_a_shared_cookie(compose, services):
    conf = rabbitmq_conf()
    assert conf["cluster_formation.peer_discovery_backend"] == "classic_config"
    listed = sorted(value for key, value in conf.items()
                    if key.startswith("cluster_formation.classic_config.nodes."))
    assert listed == [f"rabbit@{name}" for name in BROKERS]
    assert conf["cluster_partition_handling"] == "pause_minority"
    data = set()
    for name in BROKERS:
        node = services[name]
        assert node["hostname"] == name  # rabbit@<host name>, as the config lists it
        data.add(next(m for m in node["volumes"] if m.endswith(":/var/lib/rabbitmq")))
        assert node["secrets"] == ["rabbitmq_erlang_cookie"]
        command = command_of(node)
        assert command[:2] == ["sh", "-c"]
        assert "/run/secrets/rabbitmq_erlang_cookie /var/lib/rabbitmq/.erlang.cookie" in command[2]
        assert "-m 400" in command[2] and command[2].endswith("exec docker-entrypoint.sh rabbitmq-server")
    assert len(data) == 3 and {m.split(":")[0] for m in data} <= compose_volumes()
    assert compose["secrets"]["rabbitmq_erlang_cookie"]["file"] == "./keys/erlang.cookie"


@pytest.mark.parametrize("name", APPS)
def test_each_process_lists_the_three_nodes_and_they_start_from_different_ones(services, name):
    uris = broker_uris(services[name])
    assert [(u.scheme, u.port, u.path) for u in uris] == [("amqp", 5672, "/")] * 3
    assert sorted(u.hostname for u in uris) == list(BROKERS)


def test_first_nodes_are_spread_over_the_cluster(services):
    firsts = [broker_uris(services[name])[0].hostname for name in APPS]
    assert set(firsts) == set(BROKERS)
    assert firsts[APPS.index("gateway-1")] != firsts[APPS.index("gateway-2")]


def test_the_environment_example_names_every_broker_password():
    example = (DEPLOY / ".env.example").read_text(encoding="utf-8")
    for process in broker_access.PROCESSES:
        assert f"TCPL_BROKER_PASSWORD_{process.upper()}=" in example
    assert "TCPL_BROKER_ADMIN_PASSWORD=" in example and "guest" not in example


def compose_volumes() -> set[str]:
    return set(yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))["volumes"])


def test_each_service_reads_its_own_signing_key_and_every_process_the_keyring(compose, services):
    for name in BACKING:
        service = services[name]
        assert service["secrets"] == [f"{name}_signing_key"], "its own private key, and no other"
        assert environment_of(service)[f"{name.upper()}_SIGNING_KEY_FILE"] == \
            f"/run/secrets/{name}_signing_key"
        assert compose["secrets"][f"{name}_signing_key"]["file"] == f"./keys/{name}.key"
    for name in APPS:
        service = services[name]
        assert environment_of(service)["SIGNING_KEYRING"] == "/etc/tcpl/keyring"
        assert {(c["source"], c["target"]) for c in service["configs"]} == {
            (f"{source}_public_key", f"/etc/tcpl/keyring/{source}.pub") for source in BACKING}
        assert "secrets" not in service or name in BACKING
    assert {compose["configs"][f"{source}_public_key"]["file"] for source in BACKING} == {
        f"./keys/{source}.pub" for source in BACKING}
    assert "deploy/keys/" in (REPO / ".gitignore").read_text(encoding="utf-8").split()

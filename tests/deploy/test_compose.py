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
APPS = (*BACKING, "gateway")
INFRA = ("rabbitmq", "postgres")
BROKER_SETUP = "broker-setup"

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


def config_path(service: dict) -> Path:
    return REPO / command_of(service)[3]


def test_compose_names_every_service(services):
    assert set(services) == {*INFRA, *APPS, BROKER_SETUP}


def test_infrastructure_images_and_healthchecks(services):
    assert services["rabbitmq"]["image"] == "rabbitmq:3.10-management"
    assert services["postgres"]["image"] == "postgres:15"
    for name in INFRA:
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


def test_only_the_gateway_publishes_a_port(services):
    gateway = services["gateway"]
    assert [interpolate(port) for port in gateway["ports"]] == ["8000:8000"]
    assert environment_of(gateway)["WEB_SERVER_ADDRESS"] == "0.0.0.0:8000"
    assert "8000" in " ".join(gateway["healthcheck"]["test"])


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
    assert urlsplit(environment["AMQP_URI"]).hostname == "rabbitmq"
    assert environment["TCPL_JWT_SECRET"] == "<TCPL_JWT_SECRET>", "the secret must be required"
    assert environment["PSYCOPG_WAIT_FUNC"] == "wait_select"
    if name in BACKING:
        url = urlsplit(environment[f"{name.upper()}_DB_URL"])
        assert (url.scheme, url.hostname, url.port, url.path) == ("postgresql", "postgres", 5432, f"/{name}")


def test_the_config_reads_the_variables_compose_sets(services):
    """A variable compose sets but the config never reads would be silently ignored."""
    text = config_path(services["gateway"]).read_text(encoding="utf-8")
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
    for name in ("gateway", "assessment"):
        environment = environment_of(services[name])
        [mount] = [m for m in services[name]["volumes"] if m.startswith("evidence:")]
        assert mount == f"evidence:{environment['EVIDENCE_STORE']}"
    assert "evidence" in compose_volumes()
    for name in ("plans", "publication", "survey"):  # never given the files
        assert "EVIDENCE_STORE" not in environment_of(services[name])
        assert not services[name].get("volumes")
    runs = " ".join(rest for keyword, rest in _dockerfile_instructions() if keyword == "RUN")
    store = Path(environment_of(services["gateway"])["EVIDENCE_STORE"]).relative_to("/app")
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
        url = urlsplit(environment_of(services[name])["AMQP_URI"])
        assert url.username == broker_access.user_name(name)
        assert url.password == f"<TCPL_BROKER_PASSWORD_{name.upper()}>", "a required secret"
    for name, service in services.items():
        assert not any("guest" in value for value in environment_of(service).values()), name
        assert "RABBITMQ_DEFAULT_USER" not in environment_of(service)


def test_the_broker_loads_the_users_broker_setup_writes(services):
    setup, rabbitmq = services[BROKER_SETUP], services["rabbitmq"]
    command = command_of(setup)
    assert command[:4] == ["python", "-m", "kernel.broker_access", "definitions"]
    written = Path(command[command.index("--out") + 1])
    assert rabbitmq["depends_on"] == {BROKER_SETUP: {"condition": "service_completed_successfully"}}
    assert setup["restart"] == "no" and setup["image"] == services["gateway"]["image"]
    # The file goes through a named volume, which the broker mounts read-only.
    [setup_mount] = setup["volumes"]
    volume, _, setup_dir = setup_mount.partition(":")
    assert written.parent == Path(setup_dir) and volume in compose_volumes()
    [broker_dir] = [m.split(":")[1] for m in rabbitmq["volumes"] if m.startswith(f"{volume}:")]
    conf_mount = next(m for m in rabbitmq["volumes"] if m.startswith("./rabbitmq.conf:"))
    assert conf_mount.split(":")[1].startswith("/etc/rabbitmq/conf.d/")
    conf = dict(line.split(" = ", 1) for line in
                (DEPLOY / "rabbitmq.conf").read_text(encoding="utf-8").splitlines()
                if line and not line.startswith("#"))
    assert conf["load_definitions"] == str(Path(broker_dir) / written.name)
    assert conf["loopback_users.guest"] == "true"  # guest never usable from the network
    # Every process's password, and the administrator's, reach the set-up, required.
    environment = environment_of(setup)
    for process in broker_access.PROCESSES:
        variable = f"TCPL_BROKER_PASSWORD_{process.upper()}"
        assert environment[variable] == f"<{variable}>"
    assert environment["TCPL_BROKER_ADMIN_PASSWORD"] == "<TCPL_BROKER_ADMIN_PASSWORD>"


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

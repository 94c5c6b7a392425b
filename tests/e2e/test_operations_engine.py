"""The operations' Pulumi side with the real engine: the Automation API stack over a project
directory with the program run inline (what scripts/upgrade uses), the stack-file pin, and the
DeployedVersion preview warning on a downgrade.

The project is a small one (the real program needs the docker, tls and command plugins, which the
project engine lacks): Pulumi.yaml named nexus-platform, the DeployedVersion resource and its
downgrade warning as NexusServer wires them, and the stack outputs nexusVersion/deployedVersion.
The driver runs in a subprocess because the inline runner re-imports the project's packages.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from .conftest import REPO_ROOT

PROGRAM = """\
import pulumi
from dynamic_providers.deployed_version import DeployedVersion
from reach.versions import downgrade_warning

version = pulumi.Config("nexus-platform").require_object("nexus")["version"]
deployed = DeployedVersion("nexus-deployed-version", version)


def warn(current):
    message = downgrade_warning(version, current)
    if message:
        pulumi.log.warn(message)
    return current


deployed.deployed_version.apply(warn)
pulumi.export("nexusVersion", version)
pulumi.export("deployedVersion", deployed.deployed_version)
"""

STACK = """\
# e2e stack: the version is pinned by the operations
config:
  nexus-platform:nexus:
    version: 3.77.1  # pinned
"""

DRIVER = """\
import json, sys
from pathlib import Path

project = Path(sys.argv[1])
sys.path.insert(0, str(project))
import pulumi.automation as auto
from operations.stack import open_stack, planned_step
from operations.stackfile import pin_version
from operations.upgrade import unrelated_changes

auto.create_stack("e2e", project_name="nexus-platform", program=lambda: None,
                  opts=auto.LocalWorkspaceOptions(work_dir=str(project)))
stack = open_stack(project, "e2e")
results = {"created": (project / "Pulumi.e2e.yaml").read_text()}  # with the encryption salt

def outputs():
    return {k: v.value for k, v in stack.outputs().items()}

def preview():
    lines, steps = [], []

    def on_event(event):  # what StackSteps.preview collects for the mixed-preview check
        step = planned_step(event)
        if step is not None:
            steps.append(step)

    result = stack.preview(on_output=lines.append, on_event=on_event, color="never")
    return {"text": "".join(lines), "summary": result.change_summary,
            "steps": [[step.op, step.name, step.type] for step in steps],
            "unrelated": [step.name for step in unrelated_changes(steps)]}

stack.up(color="never")
results["first"] = outputs()
pin_version(project / "Pulumi.e2e.yaml", "3.80.0")
results["upgrade_preview"] = preview()
stack.up(color="never")
results["upgraded"] = outputs()
pin_version(project / "Pulumi.e2e.yaml", "3.77.1")
results["downgrade_preview"] = preview()
stack.up(color="never")
results["rolled_back"] = outputs()
results["after_preview"] = preview()
results["final"] = (project / "Pulumi.e2e.yaml").read_text()
print(json.dumps(results))
"""


def test_automation_stack_pin_and_downgrade_warning(tmp_path: Path, engine_bin: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    for package in ("operations", "dynamic_providers", "settings", "reach", "templates"):
        shutil.copytree(REPO_ROOT / package, project / package, ignore=shutil.ignore_patterns("__pycache__"))
    (project / "tools").mkdir()
    shutil.copy2(REPO_ROOT / "tools" / "language_host.py", project / "tools" / "language_host.py")
    (project / "Pulumi.yaml").write_text("name: nexus-platform\nruntime:\n  name: python\n")
    (project / "__main__.py").write_text(PROGRAM)
    (project / "Pulumi.e2e.yaml").write_text(STACK)
    (tmp_path / "drive.py").write_text(textwrap.dedent(DRIVER))
    (tmp_path / "state").mkdir()
    env = {
        **os.environ,
        "PATH": f"{engine_bin}{os.pathsep}{os.environ['PATH']}",
        "PULUMI_BACKEND_URL": f"file://{tmp_path / 'state'}",
        "PULUMI_HOME": str(tmp_path / "home"),
        "PULUMI_CONFIG_PASSPHRASE": "e2e",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PULUMI_PYTHON_CMD": sys.executable,
    }
    env.pop("PULUMI_CONFIG_PASSPHRASE_FILE", None)
    proc = subprocess.run(
        [sys.executable, str(tmp_path / "drive.py"), str(project)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    assert results["first"] == {"nexusVersion": "3.77.1", "deployedVersion": "3.77.1"}
    upgrade = results["upgrade_preview"]
    assert "older than the deployed" not in upgrade["text"]
    # the engine's step events as the upgrade reads them: the version change alone is no mixed preview
    assert ["update", "nexus-deployed-version", "pulumi-python:dynamic/nexus:DeployedVersion"] in upgrade[
        "steps"
    ]
    assert any(step[2] == "pulumi:pulumi:Stack" for step in upgrade["steps"]), upgrade["steps"]
    assert upgrade["unrelated"] == [], upgrade["steps"]
    assert results["upgraded"] == {"nexusVersion": "3.80.0", "deployedVersion": "3.80.0"}
    downgrade = results["downgrade_preview"]["text"]
    assert "warning: nexus.version 3.77.1 is older than the deployed 3.80.0" in downgrade
    assert results["rolled_back"]["deployedVersion"] == "3.77.1"
    after = results["after_preview"]
    assert "older than the deployed" not in after["text"]  # no stale warning once rolled back
    assert after["summary"].get("update", 0) == 0
    # two pins and back: the stack file is byte for byte what the engine wrote at stack creation
    assert results["final"] == results["created"]
    assert "# pinned" in results["final"] and "# e2e stack" in results["final"]

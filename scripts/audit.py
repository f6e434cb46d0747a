"""Security audit of what an inventory built: Prowler (pinned, in a virtual environment of its own) against the
embedded AWS backend or a real account, then a table of the findings on OUR resources only.

    python scripts/audit.py [--inventory inventories/local] [--checks C ...] [--markdown] [--real-account]
    python scripts/audit.py --report FILE.ocsf.json [--inventory ...]      # the table of an earlier scan

`make audit` runs it. Steps:
1. Prowler PROWLER_VERSION into .venv/prowler (created once, with uv when the project's .venv has it, else
   pip; re-created when the pin changes). Its dependency pins are its own, not ours.
2. `prowler aws` on the services the roles create, in the inventory's region, with the mute list audit/mutelist.yaml
   (Prowler's own format, `--mutelist-file`), JSON-OCSF output into .cache/audit/<inventory>/.
   Target: the local backend of LOCAL_BACKEND_DIR (default .local: its backend.json gives the endpoint and the fake
   keys); with --real-account the account of the boto3 credential chain (AWS_PROFILE, else the inventory's
   platform_aws_profile). Prowler applies the mute list while it scans: --report shows the mutes of that scan.
3. The report keeps the findings on our resources: Project tag = platform_project (and Environment, when the
   resource has one, = platform_environment), or a name, ARN or tag value naming <project>-<environment> or under
   the secret prefix <project>/<environment>/ (RDS-managed secrets carry their instance's ARN in a tag).
   Prints them by severity, check and resource, with totals.

Exit status: 0 when no critical or high finding on our resources FAILs unmuted; 1 when one does; 2 when the audit
could not run (Prowler missing or failed, a malformed mute list, or no finding on our resources at all: a wrong
inventory or an empty account would otherwise pass).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PROWLER_VERSION = "5.46.0"  # PyPI `prowler`; Requires-Python >=3.10,<3.14
# Inside .venv: ignored by git, ruff, yamllint and ansible-lint alike (Prowler's venv holds 1.4 GB of third-party
# files, YAML among them, that yamllint would lint under .cache/).
PROWLER_VENV = ROOT / ".venv" / "prowler"
OUTPUT_ROOT = ROOT / ".cache" / "audit"
MUTELIST = ROOT / "audit" / "mutelist.yaml"
NOTES = ROOT / "audit" / "notes.yaml"
# What the roles create: network (vpc, ec2 security groups, EIPs), kms, s3, ecr, secretsmanager, rds, elasticache,
# the flow-log groups (cloudwatch), and with the compute layer eks, iam roles, the node groups' ASGs (autoscaling);
# backup for the plans that protect the data layer.
SERVICES = "vpc ec2 kms s3 ecr secretsmanager rds elasticache cloudwatch backup eks iam autoscaling".split()
# The narrowed audit CI runs (tests/integration/test_audit.py): the critical/high checks on the data the
# foundation and data layers hold, and the two emulator artefacts the mute list must keep quiet.
CI_CHECKS = (
    "secretsmanager_has_restrictive_resource_policy",
    "secretsmanager_automatic_rotation_enabled",
    "rds_instance_transport_encrypted",
    "rds_instance_protected_by_backup_plan",
    "rds_instance_certificate_expiration",
    "rds_instance_deprecated_engine_version",
)
SEVERITIES = ("critical", "high", "medium", "low", "informational")
GATING = ("critical", "high")


class AuditError(Exception):
    """The audit could not run (exit status 2)."""


# ---------------------------------------------------------------------------------------------------- findings


@dataclass(frozen=True)
class Finding:
    check: str
    severity: str  # lower case, one of SEVERITIES
    status: str  # PASS | FAIL | MANUAL
    muted: bool
    resource: str  # Prowler's resource id (what its mute list matches)
    arn: str
    tags: tuple[tuple[str, str], ...]
    detail: str

    @property
    def shown_status(self) -> str:
        return "MUTED" if self.muted else self.status


def _tags(resource: dict) -> dict[str, str]:
    """Tags of an OCSF resource: `labels` ("Key:Value", Prowler leaves out aws:* tags) and the service's own
    metadata tags ({Key, Value} for most services, {TagKey, TagValue} for KMS, a map for some)."""
    out: dict[str, str] = {}
    for label in resource.get("labels") or []:
        key, _, value = str(label).partition(":")
        out[key] = value
    tags = ((resource.get("data") or {}).get("metadata") or {}).get("tags") or []
    if isinstance(tags, dict):
        tags = [{"Key": k, "Value": v} for k, v in tags.items()]
    for tag in tags:
        if isinstance(tag, dict):
            key = tag.get("Key", tag.get("TagKey", tag.get("key")))
            if key is not None:
                out[str(key)] = str(tag.get("Value", tag.get("TagValue", tag.get("value", ""))))
    return out


def parse_ocsf(data: list[dict]) -> list[Finding]:
    """Prowler's JSON-OCSF findings (a list of Detection Findings). A muted finding keeps its status_code and has
    status "Suppressed" (status_id 3)."""
    out = []
    for item in data:
        resource = (item.get("resources") or [{}])[0]
        out.append(
            Finding(
                check=item["metadata"]["event_code"],
                severity=str(item.get("severity", "")).lower(),
                status=str(item.get("status_code", "")).upper(),
                muted=item.get("status") == "Suppressed" or item.get("status_id") == 3,
                resource=str(resource.get("name") or resource.get("uid") or ""),
                arn=str(resource.get("uid") or ""),
                tags=tuple(sorted(_tags(resource).items())),
                detail=str(item.get("status_detail") or item.get("message") or ""),
            )
        )
    return out


@dataclass(frozen=True)
class Scope:
    """What is ours: the inventory's project and environment."""

    project: str
    environment: str

    @property
    def name(self) -> str:
        return f"{self.project}-{self.environment}"

    @property
    def secret_prefix(self) -> str:
        return f"{self.project}/{self.environment}/"

    def owns(self, f: Finding) -> bool:
        tags = dict(f.tags)
        if tags.get("Project") == self.project and tags.get("Environment", self.environment) == self.environment:
            return True
        if f.resource.startswith(self.secret_prefix):
            return True
        # <project>-<environment> as a whole word in the id, the ARN or a tag value (wealist-prod, not
        # wealist-production): names the roles derive, and AWS's own tags (aws:rds:primaryDBInstanceArn on an
        # RDS-managed secret, aws:eks:cluster-name on the cluster security group).
        word = re.compile(rf"(^|[^A-Za-z0-9]){re.escape(self.name)}([^A-Za-z0-9]|$)")
        return any(word.search(s) for s in (f.resource, f.arn, *tags.values()))


def gate(findings: list[Finding]) -> list[Finding]:
    """The findings that fail the audit: critical or high FAILs not muted."""
    return [f for f in findings if f.status == "FAIL" and not f.muted and f.severity in GATING]


def _order(f: Finding) -> tuple:
    rank = SEVERITIES.index(f.severity) if f.severity in SEVERITIES else len(SEVERITIES)
    return ({"FAIL": 0, "MUTED": 1}.get(f.shown_status, 2), rank, f.check, f.resource)


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


def report(ours: list[Finding], others: int, scope: Scope, show_pass: bool = False) -> str:
    shown = sorted((f for f in ours if show_pass or f.status != "PASS" or f.muted), key=_order)
    rows = [[f.severity, f.shown_status, f.check, f.resource] for f in shown]
    out = [f"Findings on {scope.name} resources ({'all' if show_pass else 'FAIL, MANUAL and MUTED'}):", ""]
    out.append(table(rows, ["severity", "status", "check", "resource"]) if rows else "(none)")
    counts = Counter((f.severity, f.shown_status) for f in ours)
    statuses = ["FAIL", "MUTED", "PASS", "MANUAL"]
    totals = [
        [sev, *(str(counts[(sev, s)]) for s in statuses)]
        for sev in SEVERITIES
        if any(counts[(sev, s)] for s in statuses)
    ]
    totals.append(["total", *(str(sum(counts[(sev, s)] for sev in SEVERITIES)) for s in statuses)])
    out += [
        "",
        f"Totals: {len(ours)} findings on {scope.name} resources ({others} more on the account itself and on "
        "resources that are not ours, not shown):",
        "",
    ]
    out.append(table(totals, ["severity", *statuses]))
    muted = Counter(f.check for f in ours if f.muted)
    if muted:
        out += [
            "",
            "Muted by audit/mutelist.yaml (each entry says why): "
            + ", ".join(f"{check} x{n}" for check, n in sorted(muted.items())),
        ]
    failing = gate(ours)
    by_check = Counter(f.check for f in failing)
    out.append("")
    if failing:
        out.append(
            f"AUDIT FAILED: {len(failing)} critical/high FAIL(s) not in the mute list: "
            + ", ".join(f"{c} x{n}" for c, n in sorted(by_check.items()))
        )
    else:
        out.append("AUDIT PASSED: no critical/high FAIL on our resources outside the mute list.")
    return "\n".join(out)


def display_name(f: Finding) -> str:
    """A name that is the same on every build: the Name tag (else the node group of a node or its Auto Scaling
    group, else Prowler's id), with a 12-digit account id replaced by <account>."""
    tags = dict(f.tags)
    name = tags.get("Name") or tags.get("eks:nodegroup-name") or f.resource
    return re.sub(r"(?<![0-9])[0-9]{12}(?![0-9])", "<account>", name)


def markdown(ours: list[Finding], notes: dict[str, str], severity: str = "medium") -> str:
    """The README's table of the medium FAILs on our resources: check, resources, count, what we did / why not
    (audit/notes.yaml; a check without a note says so, so the table cannot silently go stale)."""
    by_check: dict[str, list[str]] = defaultdict(list)
    for f in ours:
        if f.severity == severity and f.status == "FAIL" and not f.muted:
            by_check[f.check].append(display_name(f))
    lines = ["| Prowler check | resources | count | what we did, or why not |", "|---|---|---|---|"]
    for check, resources in sorted(by_check.items()):
        names = sorted(set(resources))
        shown = ", ".join(f"`{n}`" for n in names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        note = " ".join(str(notes.get(check, "TODO: no note in audit/notes.yaml")).split())
        lines.append(f"| `{check}` | {shown} | {len(resources)} | {note} |")
    if not by_check:
        lines.append(f"| (no {severity} FAIL) | | 0 | |")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------- mute list


def check_mutelist(path: Path) -> list[str]:
    """Problems of the mute list: Prowler's schema (Mutelist.Accounts.<account>.Checks.<check> with Regions and
    Resources lists) plus our rule that every entry says why (Description). Prowler itself only logs a malformed
    file and then mutes nothing."""
    try:
        doc = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as e:
        return [f"{path}: {e}"]
    accounts = ((doc or {}).get("Mutelist") or {}).get("Accounts")
    if not isinstance(accounts, dict) or not accounts:
        return [f"{path}: no Mutelist.Accounts"]
    problems = []
    for account, body in accounts.items():
        checks = (body or {}).get("Checks")
        if not isinstance(checks, dict):
            problems.append(f"{path}: account {account!r} has no Checks")
            continue
        for check, entry in checks.items():
            where = f"{path}: {account}/{check}"
            entry = entry or {}
            extra = set(entry) - {"Regions", "Resources", "Tags", "Exceptions", "Description"}
            if extra:
                problems.append(f"{where}: unknown keys {sorted(extra)}")
            for key in ("Regions", "Resources"):
                value = entry.get(key)
                if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
                    problems.append(f"{where}: {key} must be a non-empty list of strings")
            if not str(entry.get("Description") or "").strip():
                problems.append(f"{where}: no Description (every entry says why it is muted)")
    return problems


# ---------------------------------------------------------------------------------------------------- Prowler


def _python_for_prowler() -> str:
    """An interpreter Prowler supports (>=3.10,<3.14): $PROWLER_PYTHON, this one's base, python3.13..3.10."""
    base = getattr(sys, "_base_executable", sys.executable)
    for cand in (os.environ.get("PROWLER_PYTHON"), base, "python3.13", "python3.12", "python3.11", "python3.10"):
        if not cand:
            continue
        try:
            v = subprocess.run(
                [cand, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                capture_output=True,
                text=True,
                timeout=30,
                check=True,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            continue
        major, minor = (int(x) for x in v.split("."))
        if major == 3 and 10 <= minor <= 13:
            return cand
    raise AuditError("no Python 3.10-3.13 for Prowler found (set PROWLER_PYTHON=/path/to/python3.12)")


def ensure_prowler(venv: Path = PROWLER_VENV, version: str = PROWLER_VERSION) -> Path:
    """The pinned Prowler in its own venv, installed once (a stamp file records the pin). Returns its binary."""
    prowler, stamp = venv / "bin" / "prowler", venv / ".prowler-pin"
    want = f"prowler=={version}"
    if prowler.exists() and stamp.exists() and stamp.read_text().strip() == want:
        return prowler
    shutil.rmtree(venv, ignore_errors=True)
    python = _python_for_prowler()
    uv = ROOT / ".venv" / "bin" / "uv"
    start = time.monotonic()
    print(f"audit: installing {want} into {venv.relative_to(ROOT)} ({'uv' if uv.exists() else 'pip'}) ...", flush=True)
    if uv.exists():
        subprocess.run([str(uv), "venv", "--quiet", "--python", python, str(venv)], check=True)
        subprocess.run(
            [str(uv), "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), want], check=True
        )
    else:
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", want],
            check=True,
        )
    stamp.write_text(want + "\n")
    print(f"audit: {want} installed in {time.monotonic() - start:.0f} s", flush=True)
    return prowler


def prowler_schema_problems(prowler: Path, path: Path) -> str:
    """Prowler's own schema check of the mute list (its run would only log a malformed file and mute nothing)."""
    code = (
        "import sys, yaml; from prowler.lib.mutelist.mutelist import Mutelist; "
        "Mutelist.validate_mutelist(yaml.safe_load(open(sys.argv[1]))['Mutelist'], raise_on_exception=True)"
    )
    proc = subprocess.run(
        [str(prowler.parent / "python"), "-c", code, str(path)], capture_output=True, text=True, check=False
    )
    return "" if proc.returncode == 0 else (proc.stderr.strip().splitlines() or ["invalid"])[-1]


def inventory_facts(inventory: Path) -> dict:
    """platform_* raw facts of an inventory (its group_vars/all/*.yml; plain values, no templating needed)."""
    facts: dict = {}
    for f in sorted((inventory / "group_vars" / "all").glob("*.y*ml")):
        facts.update(yaml.safe_load(f.read_text()) or {})
    missing = [k for k in ("platform_project", "platform_environment", "platform_region") if not facts.get(k)]
    if missing:
        raise AuditError(f"{inventory} does not set {', '.join(missing)}")
    return facts


def backend_env(real_account: bool, facts: dict) -> tuple[dict, str]:
    """Environment for Prowler and a description of the target."""
    env = dict(os.environ)
    # Prowler's own bytecode is written on its first run (its venv is ours; setup.sh compiles at install for the
    # same reason: with PYTHONDONTWRITEBYTECODE every run would recompile its imports, +18 s measured).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    state = Path(os.environ.get("LOCAL_BACKEND_DIR", ROOT / ".local"))
    info_file = state / "backend.json"
    if not real_account and info_file.is_file():
        info = json.loads(info_file.read_text())
        for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE"):
            env.pop(var, None)
        env.update(
            AWS_ENDPOINT_URL=info["endpoint_url"],
            AWS_ACCESS_KEY_ID=info["aws_access_key_id"],
            AWS_SECRET_ACCESS_KEY=info["aws_secret_access_key"],
            AWS_DEFAULT_REGION=info["region"],
            AWS_REGION=info["region"],
        )
        return env, f"the local backend at {info['endpoint_url']} ({info_file})"
    if not real_account:
        raise AuditError(f"no local backend ({info_file} missing): `make up` first, or --real-account")
    if facts.get("platform_aws_profile") and "AWS_PROFILE" not in env:
        env["AWS_PROFILE"] = facts["platform_aws_profile"]
    where = env.get("AWS_ENDPOINT_URL") or "the account of the boto3 credential chain"
    return env, f"{where} (profile {env.get('AWS_PROFILE', '-')})"


def run_prowler(prowler: Path, env: dict, region: str, out_dir: Path, checks: list[str] | None) -> Path:
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    selection = ["--check", *checks] if checks else ["--service", *SERVICES]
    cmd = [
        str(prowler),
        "aws",
        *selection,
        "--region",
        region,
        "--mutelist-file",
        str(MUTELIST),
        "--output-formats",
        "json-ocsf",
        "--output-directory",
        str(out_dir),
        "--output-filename",
        "prowler",
        "--no-banner",
        "--no-color",
        "--ignore-exit-code-3",
    ]
    log = out_dir / "prowler.log"
    start = time.monotonic()
    with log.open("w") as fh:
        rc = subprocess.run(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT, cwd=ROOT, check=False).returncode
    result = out_dir / "prowler.ocsf.json"
    print(
        f"audit: prowler {PROWLER_VERSION} ran {len(checks) if checks else 'the ' + str(len(SERVICES))} "
        f"{'checks' if checks else 'services'} in {time.monotonic() - start:.0f} s (log: {log})"
    )
    if rc != 0 or not result.is_file():
        tail = "".join(log.read_text().splitlines(keepends=True)[-30:])
        raise AuditError(f"prowler failed (rc={rc}, output {'present' if result.is_file() else 'missing'}):\n{tail}")
    return result


# --------------------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    try:
        return run(argv)
    except AuditError as e:
        print(f"audit: {e}", file=sys.stderr)
        return 2
    except subprocess.CalledProcessError as e:
        print(f"audit: {' '.join(map(str, e.cmd))} failed (rc={e.returncode})", file=sys.stderr)
        return 2


def run(argv: list[str] | None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--inventory", default=os.environ.get("INVENTORY", "inventories/local"))
    p.add_argument(
        "--checks",
        nargs="+",
        metavar="CHECK",
        help="only these Prowler checks (default: every check of the services the roles create)",
    )
    p.add_argument("--ci-checks", action="store_true", help=f"the narrowed audit CI runs: {', '.join(CI_CHECKS)}")
    p.add_argument(
        "--real-account",
        action="store_true",
        help="audit the account of the boto3 credential chain "
        "(AWS_PROFILE, or platform_aws_profile of the inventory), not the local backend",
    )
    p.add_argument("--report", type=Path, metavar="OCSF_JSON", help="no scan: report on this Prowler JSON-OCSF file")
    p.add_argument("--output-dir", type=Path, help="where Prowler writes (default: .cache/audit/<inventory name>)")
    p.add_argument("--markdown", action="store_true", help="print the README's table of medium FAILs instead")
    p.add_argument("--all", action="store_true", help="list PASS findings too")
    args = p.parse_args(argv)

    inventory = (ROOT / args.inventory) if not Path(args.inventory).is_absolute() else Path(args.inventory)
    facts = inventory_facts(inventory)
    scope = Scope(str(facts["platform_project"]), str(facts["platform_environment"]))
    problems = check_mutelist(MUTELIST)
    if problems:
        print("audit: the mute list is not valid:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 2

    if args.report:
        result, target = args.report, str(args.report)
    else:
        checks = list(CI_CHECKS) if args.ci_checks else args.checks
        env, target = backend_env(args.real_account, facts)
        prowler = ensure_prowler()
        problem = prowler_schema_problems(prowler, MUTELIST)
        if problem:
            print(f"audit: Prowler rejects {MUTELIST.relative_to(ROOT)}: {problem}", file=sys.stderr)
            return 2
        result = run_prowler(
            prowler, env, str(facts["platform_region"]), args.output_dir or OUTPUT_ROOT / inventory.name, checks
        )

    findings = parse_ocsf(json.loads(result.read_text()))
    ours = [f for f in findings if scope.owns(f)]
    if not ours:
        print(
            f"audit: none of the {len(findings)} findings is on a {scope.name} resource: wrong inventory, or "
            f"nothing built on {target}?",
            file=sys.stderr,
        )
        return 2
    if args.markdown:
        notes = (yaml.safe_load(NOTES.read_text()) or {}) if NOTES.is_file() else {}
        print(markdown(ours, notes))
    else:
        print(f"\nProwler {PROWLER_VERSION} on {target}, inventory {args.inventory}; findings: {result}\n")
        print(report(ours, len(findings) - len(ours), scope, show_pass=args.all))
    return 1 if gate(ours) else 0


if __name__ == "__main__":
    raise SystemExit(main())

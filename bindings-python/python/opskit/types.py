"""TypedDicts for the results of opskit's functions (plain dicts at runtime)."""

from typing import Any, Dict, List, Literal, Optional, TypedDict

__all__ = [
    "BurnAlert",
    "SloState",
    "VersionParts",
    "Footer",
    "CommitMessage",
    "Release",
    "CommitEntry",
    "DecidingCommit",
    "IgnoredCommit",
    "NextVersion",
    "FileChange",
    "SkippedFile",
    "CutRelease",
    "ChangelogGroup",
    "ChangelogRelease",
    "Changelog",
    "BranchCheck",
    "Promotion",
    "GroupRule",
    "VersionStatus",
    "ManifestEntry",
    "ManifestTotals",
    "ManifestFilters",
    "Skipped",
    "Manifest",
    "Progress",
    "Difference",
    "MetadataPolicy",
    "MetadataFinding",
    "VerifyReport",
    "DiffItem",
    "Renamed",
    "ManifestDiff",
    "Snapshot",
    "KeptSnapshot",
    "RetentionGroupKey",
    "RetentionGroup",
    "RetentionPlan",
    "Signature",
    "BagReport",
    "BagValidation",
    "DrillReport",
    "HostInfo",
    "Load",
    "Cpu",
    "Memory",
    "Filesystem",
    "Network",
    "Disk",
    "Kernel",
    "Pressure",
    "Uname",
    "Cgroup",
    "ProcessInfo",
    "HostSnapshot",
    "UpgradeGroup",
    "Upgrades",
    "MaintenanceState",
    "DocsHeading",
    "DocsLink",
    "DocsSecret",
    "DocsPage",
    "DocsFinding",
    "DocsAudit",
    "DocsRule",
    "CheckResult",
    "HealthRule",
    "Availability",
    "SendReport",
]


class VersionParts(TypedDict):
    version: str
    major: int
    minor: int
    patch: int
    pre: List[str]
    build: List[str]
    prerelease: bool
    scheme: Literal["semver", "pep440"]
    epoch: int
    release: List[int]
    post: Optional[int]
    dev: Optional[int]


class Footer(TypedDict):
    token: str
    separator: str
    value: str


class CommitMessage(TypedDict):
    subject: str
    conventional: bool
    type: Optional[str]
    scope: Optional[str]
    breaking: bool
    breaking_description: Optional[str]
    description: str
    body: Optional[str]
    footers: List[Footer]
    merge: bool
    revert: bool
    reverts: Optional[str]
    fixup: bool
    lenient: List[str]


class Release(TypedDict):
    tag: str
    version: str
    commit: str
    date: str
    timestamp: int
    annotated: bool
    message: Optional[str]
    prerelease: bool


class CommitEntry(TypedDict):
    id: str
    short_id: str
    subject: str
    type: Optional[str]
    scope: Optional[str]
    description: str
    breaking: bool
    breaking_description: Optional[str]
    conventional: bool
    merge: bool
    revert: bool
    reverts: Optional[str]
    fixup: bool
    lenient: List[str]
    author: str
    date: str


class DecidingCommit(CommitEntry):
    bump: Optional[str]
    impact: str  # deprecated: read bump; removed in the next minor release


class IgnoredCommit(CommitEntry):
    reason: str


class NextVersion(TypedDict):
    current: Optional[str]
    current_tag: Optional[str]
    next: Optional[str]
    next_tag: Optional[str]
    bump: Optional[str]
    impact: Optional[str]  # deprecated: read bump; removed in the next minor release
    channel: Optional[str]
    scheme: Literal["semver", "pep440"]
    commits: List[DecidingCommit]
    ignored: List[IgnoredCommit]
    shallow: bool
    notes: List[str]


class FileChange(TypedDict):
    path: str
    kind: str
    created: bool
    old_version: Optional[str]
    new_version: Optional[str]


class SkippedFile(TypedDict):
    path: str
    version: Optional[str]
    reason: str


class CutRelease(TypedDict):
    version: str
    tag: str
    previous_tag: Optional[str]
    branch: str
    dry_run: bool
    section: str
    commits: int
    files: List[FileChange]
    skipped_files: List[SkippedFile]
    commit: Optional[str]


class ChangelogGroup(TypedDict):
    title: str
    commits: List[CommitEntry]


class ChangelogRelease(TypedDict):
    version: Optional[str]
    tag: Optional[str]
    date: Optional[str]
    commit: str
    previous_tag: Optional[str]
    groups: List[ChangelogGroup]


class Changelog(TypedDict):
    releases: List[ChangelogRelease]


class BranchCheck(TypedDict):
    name: str
    valid: bool
    matched: Optional[str]
    reason: Optional[str]


# "from" is a keyword, so this one uses the functional syntax.
Promotion = TypedDict(
    "Promotion",
    {
        "from": str,
        "to": str,
        "from_commit": str,
        "to_commit": str,
        "fast_forward": bool,
        "ahead": int,
        "behind": int,
        "target_only": List[CommitEntry],
    },
)


class GroupRule(TypedDict):
    title: str
    types: List[str]


class VersionStatus(TypedDict):
    repository: str
    branch: Optional[str]
    detached: bool
    branch_check: Optional[BranchCheck]
    current: Optional[Release]
    next: Optional[NextVersion]


class _EntryBase(TypedDict):
    path: str
    kind: str
    mode: str
    mtime: str


class ManifestEntry(_EntryBase, total=False):
    path_bytes: str
    size: int
    blake3: str
    sha256: str
    target: str
    target_bytes: str
    # Format version 2: owner, extended attributes, ACLs, hard-link groups.
    uid: int
    gid: int
    user: str
    group: str
    xattrs: Dict[str, str]
    acl: str
    default_acl: str
    link_group: int


class ManifestTotals(TypedDict):
    files: int
    dirs: int
    symlinks: int
    other: int
    bytes: int


class ManifestFilters(TypedDict):
    include: List[str]
    exclude: List[str]


class Skipped(TypedDict):
    path: str
    reason: str


class Manifest(TypedDict):
    format: str
    version: int
    created: str
    root: str
    algorithms: List[str]
    labels: Dict[str, str]
    previous: Optional[str]
    filters: ManifestFilters
    totals: ManifestTotals
    entries: List[ManifestEntry]
    skipped: List[Skipped]


class Progress(TypedDict):
    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int


class _DifferenceBase(TypedDict):
    path: str
    problem: str
    expected: Optional[str]
    found: Optional[str]


class Difference(_DifferenceBase, total=False):
    # Exact bytes as hex, only where a name or symlink target is not UTF-8.
    path_bytes: str
    expected_bytes: str
    found_bytes: str


class MetadataPolicy(TypedDict):
    mode: Literal["ignore", "warn", "fail"]
    special: Literal["ignore", "warn", "fail"]
    owner: Literal["ignore", "warn", "fail"]
    mtime: Literal["ignore", "warn", "fail"]
    xattrs: Literal["ignore", "warn", "fail"]
    acl: Literal["ignore", "warn", "fail"]
    links: Literal["ignore", "warn", "fail"]


class MetadataFinding(TypedDict):
    kind: str
    action: Literal["ignore", "warn", "fail"]
    count: int
    summary: str


class _VerifyReportBase(TypedDict):
    passed: bool
    exact: bool
    policy: MetadataPolicy
    metadata: List[MetadataFinding]
    mode: str
    differences: List[Difference]
    counts: Dict[str, int]
    files_checked: int
    files_hashed: int
    bytes_checked: int
    bytes_hashed: int
    elapsed_seconds: float
    bytes_per_second: float
    stopped_early: bool


class VerifyReport(_VerifyReportBase, total=False):
    # Said first when the manifest looks like another tree's.
    hint: str


class _DiffItemBase(TypedDict):
    path: str
    kind: str
    size: Optional[int]
    old_size: Optional[int]


class DiffItem(_DiffItemBase, total=False):
    path_bytes: str


# "from" is a keyword, so this one uses the functional syntax.
_RenamedBase = TypedDict("_RenamedBase", {"from": str, "to": str, "size": int})


class Renamed(_RenamedBase, total=False):
    from_bytes: str
    to_bytes: str


class ManifestDiff(TypedDict):
    identical: bool
    algorithm: Optional[str]
    added: List[DiffItem]
    removed: List[DiffItem]
    modified: List[DiffItem]
    renamed: List[Renamed]
    type_changed: List[DiffItem]
    suspicious: List[DiffItem]
    metadata_changed: List[DiffItem]
    bytes_added: int
    bytes_removed: int
    bytes_modified: int


class Snapshot(TypedDict):
    id: Optional[str]
    time: str
    tags: List[str]
    hostname: Optional[str]
    paths: List[str]


class KeptSnapshot(TypedDict):
    snapshot: Snapshot
    reasons: List[str]
    counters: Dict[str, int]


class RetentionGroupKey(TypedDict):
    host: Optional[str]
    paths: Optional[List[str]]
    tags: Optional[List[str]]


class RetentionGroup(TypedDict):
    key: RetentionGroupKey
    keep: List[KeptSnapshot]
    remove: List[Snapshot]
    latest: Optional[str]


class RetentionPlan(TypedDict):
    keep: List[KeptSnapshot]
    remove: List[Snapshot]
    latest: Optional[str]
    groups: List[RetentionGroup]
    future: List[Snapshot]


class Signature(TypedDict):
    format: str
    version: int
    algorithm: str
    key_id: str
    manifest: str
    signature: str


class BagReport(TypedDict):
    bag: str
    files: int
    bytes: int
    payload_oxum: str
    warnings: List[str]


class BagValidation(TypedDict):
    valid: bool
    complete: bool
    version: Optional[str]
    algorithms: List[str]
    files: int
    bytes: int
    errors: List[str]
    warnings: List[str]


class DrillReport(TypedDict):
    passed: bool
    exact: bool
    mode: Literal["full", "fast"]
    rto_seconds: float
    restore_seconds: float
    verify_seconds: float
    total_seconds: float
    met_rto: bool
    backup_bytes: int
    bytes_per_second: float
    projected_verify_seconds: float
    verify: VerifyReport
    summary: str


class Uname(TypedDict):
    sysname: str
    nodename: str
    release: str
    version: str
    machine: str
    domainname: str


class HostInfo(TypedDict):
    hostname: str
    os: str
    kernel: str
    uptime_seconds: float
    boot_time_seconds: float
    uname: Uname
    os_release: Dict[str, str]


class Load(TypedDict):
    one: float
    five: float
    fifteen: float
    per_core_one: float
    per_core_five: float
    per_core_fifteen: float


class Cpu(TypedDict):
    cores: int
    effective_cores: int
    usage_percent: Optional[float]
    per_core_percent: List[Optional[float]]
    seconds: List[Dict[str, float]]
    guest_seconds: List[Dict[str, float]]


class Memory(TypedDict):
    total_bytes: int
    available_bytes: int
    used_bytes: int
    used_percent: float


class _FilesystemBase(TypedDict):
    mountpoint: str
    fstype: str
    device: str
    size_bytes: int
    avail_bytes: int
    free_bytes: int
    used_percent: float
    files: int
    files_free: int
    inodes_used_percent: float
    readonly: bool


class Filesystem(_FilesystemBase, total=False):
    error: str  # present when statvfs failed or hung (then every number is 0)


class Network(TypedDict):
    device: str
    rx_bytes: int
    tx_bytes: int
    rx_packets: int
    tx_packets: int
    rx_errors: int
    tx_errors: int
    rx_drop: int
    tx_drop: int
    rx_fifo: int
    rx_frame: int
    rx_compressed: int
    rx_multicast: int
    tx_fifo: int
    tx_colls: int
    tx_carrier: int
    tx_compressed: int
    operstate: str
    carrier: Optional[int]
    mtu_bytes: Optional[int]
    speed_bytes: Optional[int]
    rx_bytes_per_second: Optional[float]
    tx_bytes_per_second: Optional[float]


class Disk(TypedDict):
    device: str
    reads_completed: int
    reads_merged: int
    read_bytes: int
    read_time_seconds: float
    writes_completed: int
    writes_merged: int
    written_bytes: int
    write_time_seconds: float
    io_now: int
    io_time_seconds: float
    io_time_weighted_seconds: float
    discards_completed: Optional[int]
    discards_merged: Optional[int]
    discarded_sectors: Optional[int]
    discard_time_seconds: Optional[float]
    flush_requests: Optional[int]
    flush_time_seconds: Optional[float]


class Kernel(TypedDict):
    procs_running: int
    procs_blocked: int
    context_switches: int
    interrupts: int
    forks: int
    files_allocated: int
    files_maximum: Optional[int]
    vmstat: Dict[str, int]


class Pressure(TypedDict):
    cpu_waiting_seconds: float
    cpu_stalled_seconds: Optional[float]
    memory_waiting_seconds: float
    memory_stalled_seconds: float
    io_waiting_seconds: float
    io_stalled_seconds: float


class Cgroup(TypedDict):
    version: str
    memory_limit_bytes: Optional[int]
    memory_current_bytes: Optional[int]
    memory_used_percent: Optional[float]
    cpu_quota_cores: Optional[float]


class ProcessInfo(TypedDict):
    pid: int
    cpu_seconds: float
    resident_bytes: int
    virtual_bytes: int
    max_virtual_bytes: Optional[int]
    open_fds: int
    max_fds: int
    open_fds_percent: float
    threads: int
    start_time_seconds: float


class UpgradeGroup(TypedDict):
    origin: str
    arch: str
    count: int


class _UpgradesBase(TypedDict):
    pending: int
    groups: List[UpgradeGroup]
    checked_seconds: float
    lists_updated_seconds: Optional[float]


class Upgrades(_UpgradesBase, total=False):
    error: str  # why apt-get failed (then pending is 0)


class MaintenanceState(TypedDict):
    reboot_required: bool
    reboot_packages: List[str]
    upgrades: Optional[Upgrades]


class HostSnapshot(TypedDict):
    time_seconds: float
    first: bool
    host: HostInfo
    load: Load
    cpu: Cpu
    memory: Memory
    swap: Memory
    filesystems: List[Filesystem]
    networks: List[Network]
    processes: int
    threads: int
    cgroup: Optional[Cgroup]
    process: ProcessInfo
    maintenance: MaintenanceState
    meminfo: Dict[str, int]
    disks: List[Disk]
    kernel: Kernel
    pressure: Optional[Pressure]


class _CheckResultBase(TypedDict):
    name: str
    status: str
    value: Optional[float]
    unit: str
    threshold: Optional[float]
    since: Optional[float]
    output: str


class CheckResult(_CheckResultBase, total=False):
    probe: str  # a probe's type (tcp, http, process, file), or "slo" for an SLO's state


# "for" is a keyword, so this one uses the functional syntax.
HealthRule = TypedDict(
    "HealthRule",
    {
        "name": str,
        "metric": str,
        "warn": Optional[float],
        "critical": Optional[float],
        "direction": str,
        "for": Optional[str],
        "clear": Optional[float],
        "source": Optional[str],
    },
)


class SendReport(TypedDict):
    """What a successful ``health.send_event`` did."""

    attempts: int
    status: int
    dedup_key: Optional[str]


class BurnAlert(TypedDict):
    """One of the SRE workbook's alert pairs, evaluated (an SLO's or an availability's)."""

    severity: Literal["page", "ticket"]
    long_window_seconds: float
    short_window_seconds: float
    threshold: float
    long_burn_rate: Optional[float]
    short_burn_rate: Optional[float]
    fires: bool




class Availability(TypedDict):
    window_seconds: float
    up_seconds: float
    down_seconds: float
    unknown_seconds: float
    uptime_percent: Optional[float]
    incidents: List[Dict[str, Any]]
    mttr_seconds: Optional[float]
    slo_percent: float
    error_budget_seconds: float
    error_budget_remaining_seconds: float
    error_budget_remaining_percent: Optional[float]
    slo_met: Optional[bool]
    burn_alerts: List[BurnAlert]


class DocsHeading(TypedDict):
    level: int
    text: str
    anchor: str
    line: int


class DocsLink(TypedDict):
    target: str
    line: int
    column: int
    kind: str  # "link" | "image" | "html"


class DocsSecret(TypedDict):
    kind: str
    line: int
    column: int
    masked: str


class DocsPage(TypedDict):
    path: str
    title: Optional[str]
    headings: List[DocsHeading]
    html_ids: List[str]
    links: List[DocsLink]
    front_matter: Optional[Dict[str, Any]]
    front_matter_error: Optional[List[Any]]  # [line, why]
    g3doc: Optional[Dict[str, Any]]
    g3doc_error: Optional[List[Any]]  # [line, why]
    secrets: List[DocsSecret]
    suppressions: List[Dict[str, Any]]  # {line: int | None, rules: [str]}


class DocsFinding(TypedDict):
    rule_id: str
    rule: str
    severity: str  # "note" | "warning" | "error"
    path: str
    line: int
    column: int
    message: str
    target: Optional[str]
    fingerprint: str


class DocsAudit(TypedDict):
    root: str
    pages: int
    links: int
    checked: int
    external_links: Dict[str, int]
    external_checked: int
    findings: List[DocsFinding]
    counts: Dict[str, int]
    suppressed: int
    baselined: int


class DocsRule(TypedDict):
    id: str
    name: str
    severity: str
    description: str


class SloState(TypedDict):
    name: str
    kind: Literal["availability", "latency"]
    objective_percent: float
    window_seconds: float
    good: int
    total: int
    sli_percent: Optional[float]
    error_budget_remaining_percent: Optional[float]
    alerts: List[BurnAlert]
    status: Literal["page", "ticket", "ok"]

import { z } from 'zod';
import { OsRelease } from './capabilities.ts';
import type { Collector } from './collector.ts';
import { CollectorParseError } from './parse-error.ts';
import {
  END_MARKER,
  excerptOf,
  parseNumber,
  RUN_SECTION_PRELUDE,
  sectionCommandError,
  sectionCommandResult,
  type Sections,
  splitSections,
} from './sections.ts';

/**
 * Pending package updates, as the device's package manager already knows them. A monitoring read must
 * not change the device, so nothing here refreshes repository metadata (no `apt update`, `dnf makecache`,
 * `pacman -Sy`, `apk update`): the answer is only as fresh as the last refresh, and that age is reported
 * as `metadata_age_seconds` so a stale answer is visible. The one exception is pacman-contrib's
 * `checkupdates`, which syncs into a private temporary database and leaves the system's alone.
 * A device without a supported package manager (Unraid, TrueNAS, a busybox router) is reported as such,
 * never as a device without updates.
 */

const DATA_TYPE = 'updates';

const PACKAGE_MANAGERS = ['apt', 'dnf', 'yum', 'pacman', 'apk'] as const;
export const PackageManager = z.enum(PACKAGE_MANAGERS);
export type PackageManager = z.infer<typeof PackageManager>;

/** The stored package list is capped; the counts always cover every pending update. */
export const PACKAGE_LIST_LIMIT = 500;

export const PendingUpdate = z.object({
  name: z.string(),
  /** Absent where the manager does not print it (pacman). */
  arch: z.string().optional(),
  /** Installed version; null where the listing does not show it (dnf, yum). */
  current_version: z.string().nullable(),
  new_version: z.string(),
  /** apt origins (e.g. `noble-updates,noble-security`) or the dnf/yum repository id. */
  repository: z.string().optional(),
  /** Null where the manager publishes no security classification (pacman, apk) or the repositories ship no advisories. */
  security: z.boolean().nullable(),
});
export type PendingUpdate = z.infer<typeof PendingUpdate>;

export const UpdatesData = z.object({
  package_manager: PackageManager.nullable(),
  /** Why there is no answer from a package manager, when there is none. */
  reason: z.string().optional(),
  os: OsRelease.nullable(),
  upgradable: z.number(),
  /** Null when unknown: the manager has no security flag, or the repositories publish no advisories. */
  security: z.number().nullable(),
  /** Security updates first, then by name; at most PACKAGE_LIST_LIMIT entries. */
  packages: z
    .array(PendingUpdate)
    .describe(`security updates first, then by name; at most ${PACKAGE_LIST_LIMIT} entries`),
  packages_truncated: z.boolean(),
  /** Seconds since the package manager last refreshed its repository metadata; null when unknown. */
  metadata_age_seconds: z
    .number()
    .nullable()
    .describe('seconds since the package manager last refreshed its repository metadata'),
  /** Null where the distribution keeps no reboot-required signal. */
  reboot_required: z.boolean().nullable(),
  /** Packages that asked for the reboot (Debian/Ubuntu `/var/run/reboot-required.pkgs`), when one is required. */
  reboot_required_packages: z.array(z.string()).optional(),
});
export type UpdatesData = z.infer<typeof UpdatesData>;

/**
 * `run SECTION COMMAND...` prints the command's stdout as @@SECTION, then @@SECTION-status and
 * @@SECTION-stderr. `metadata_mtime` prints the device clock and the newest mtime among the given paths
 * (busybox stat knows `-c %Y` too); unmatched globs stay literal and are dropped with stat's error.
 *
 * Metadata freshness markers, chosen because each refresh touches them even when nothing changed:
 * - apt: the lists directory and `partial/` (apt renames fresh lists in and works in `partial/`), and the
 *   APT::Periodic success stamp. The list files themselves carry the server's Last-Modified time and
 *   `pkgcache.bin` is rebuilt by every install, so neither tells when apt last looked.
 * - dnf 4 and 5: the primary metadata file, which dnf re-touches when expired metadata is still current
 *   and whose mtime dnf itself uses as the metadata age. yum: the `cachecookie` it touches on each check.
 * - pacman and apk: the directory the indexes are renamed into, and the index files.
 * `apk list` opens its database read-only, so unlike `apk add` it never refreshes a stale index itself;
 * `--no-network` is not used because apk then counts remote packages as unavailable and lists none.
 * The security advisory list is only asked for when a repository ships advisories (updateinfo) at all:
 * CentOS never did, and an empty list there means "unknown", not "no security updates".
 * `echo` after printing a file: a file without a final newline would otherwise swallow the next marker.
 */
const COMMAND = [
  'echo @@os-release',
  'cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null',
  'echo',
  'manager=none',
  `for candidate in ${PACKAGE_MANAGERS.join(' ')}; do`,
  '  if command -v "$candidate" >/dev/null 2>&1; then manager=$candidate; break; fi',
  'done',
  'echo @@manager',
  'echo "$manager"',
  `if [ "$manager" = none ]; then echo ${END_MARKER}; exit 0; fi`,
  ...RUN_SECTION_PRELUDE,
  'metadata_mtime() {',
  '  echo @@now; date +%s',
  '  echo @@metadata-mtime; stat -c %Y "$@" 2>/dev/null | sort -n | tail -n 1',
  '}',
  'any_exists() { for path in "$@"; do [ -e "$path" ] && return 0; done; return 1; }',
  'case $manager in',
  'apt)',
  '  run apt apt list --upgradable',
  '  metadata_mtime /var/lib/apt/lists /var/lib/apt/lists/partial /var/lib/apt/periodic/update-success-stamp',
  '  echo @@reboot-required',
  '  if [ -e /var/run/reboot-required ]; then echo yes',
  '  elif [ -e /usr/share/update-notifier/notify-reboot-required ] || [ -e /etc/kernel/postinst.d/unattended-upgrades ]; then echo no',
  '  else echo unknown; fi',
  '  echo @@reboot-required-pkgs',
  '  cat /var/run/reboot-required.pkgs 2>/dev/null; echo',
  '  ;;',
  'dnf)',
  '  run check-update dnf -q --cacheonly check-update',
  '  if [ "$status" -eq 0 ] || [ "$status" -eq 100 ]; then',
  '    if any_exists /var/cache/dnf/*/repodata/*updateinfo* /var/cache/libdnf5/*/repodata/*updateinfo*; then',
  '      run security dnf -q --cacheonly updateinfo list --security',
  '    fi',
  '  fi',
  '  metadata_mtime /var/cache/dnf/*/repodata/*primary* /var/cache/libdnf5/*/repodata/*primary*',
  '  ;;',
  'yum)',
  '  run check-update yum -q -C check-update',
  '  if [ "$status" -eq 0 ] || [ "$status" -eq 100 ]; then',
  '    if any_exists /var/cache/yum/*/*/*/*updateinfo*; then run security yum -q -C updateinfo list security; fi',
  '  fi',
  '  metadata_mtime /var/cache/yum/*/*/*/cachecookie',
  '  ;;',
  'pacman)',
  '  if command -v checkupdates >/dev/null 2>&1; then run checkupdates checkupdates',
  '  else run pacman-qu pacman -Qu; metadata_mtime /var/lib/pacman/sync /var/lib/pacman/sync/*.db; fi',
  '  ;;',
  'apk)',
  '  run apk apk list --upgradable',
  '  metadata_mtime /var/cache/apk /var/cache/apk/APKINDEX.*',
  '  ;;',
  'esac',
  `echo ${END_MARKER}`,
].join('\n');

function parseError(message: string, excerpt?: string): CollectorParseError {
  return new CollectorParseError(DATA_TYPE, message, excerpt === undefined ? undefined : excerptOf(excerpt));
}

/** `KEY=value` or `KEY="value"` lines (os-release(5)); only the keys we show. */
function parseOsRelease(lines: readonly string[]): OsRelease | null {
  if (lines.length === 0) return null;
  const values = new Map<string, string>();
  for (const line of lines) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (!match?.[1]) continue;
    values.set(match[1], (match[2] ?? '').replace(/^(["'])(.*)\1$/, '$2'));
  }
  return {
    id: values.get('ID') ?? null,
    version_id: values.get('VERSION_ID') ?? null,
    pretty_name: values.get('PRETTY_NAME') ?? null,
  };
}

/** Null when no marker file exists: the manager never fetched metadata here, or keeps it elsewhere. */
function parseMetadataAge(sections: Sections): number | null {
  const mtime = sections.lines('metadata-mtime')[0]?.trim();
  if (mtime === undefined) return null;
  const now = parseNumber(DATA_TYPE, sections.nonEmptyLines('now')[0]?.trim(), 'device time');
  // A refresh "in the future" means the clock was set back since; the metadata is as fresh as it gets.
  return Math.max(0, now - parseNumber(DATA_TYPE, mtime, 'metadata modification time'));
}

interface ManagerAnswer {
  packages: PendingUpdate[];
  /** Whether `security` flags on the packages are known (otherwise they are all null). */
  securityKnown: boolean;
  metadataAgeSeconds: number | null;
  reboot: Pick<UpdatesData, 'reboot_required' | 'reboot_required_packages'>;
}

const NO_REBOOT_SIGNAL = { reboot_required: null };

// ---- apt ----

// `libssl3/jammy-updates,jammy-security 3.0.2-0ubuntu1.18 amd64 [upgradable from: 3.0.2-0ubuntu1.15]`
const APT_LINE = /^([^/\s]+)\/(\S+)\s+(\S+)\s+(\S+)\s+\[upgradable from: ([^\]\s]+)\]$/;

/** `Listing...` (followed by `Done` on a terminal) is apt's progress line, printed to stdout. */
function parseAptList(lines: readonly string[]): PendingUpdate[] {
  const packages: PendingUpdate[] = [];
  for (const line of lines) {
    if (line.startsWith('Listing...')) continue;
    const match = APT_LINE.exec(line.trim());
    if (!match) throw parseError('unreadable line in apt list --upgradable', line);
    const [, name = '', origins = '', newVersion = '', arch = '', currentVersion = ''] = match;
    packages.push({
      name,
      arch,
      current_version: currentVersion,
      new_version: newVersion,
      repository: origins,
      // Debian's `bookworm-security`/`stable-security`, Ubuntu's `noble-security` and ESM's `noble-infra-security`.
      security: origins.split(',').some((origin) => origin.endsWith('-security')),
    });
  }
  return packages;
}

/**
 * `/var/run/reboot-required` is created by Ubuntu's update-notifier and Debian's unattended-upgrades
 * kernel hook; without either installed its absence says nothing, so the answer is null then.
 */
function parseAptReboot(sections: Sections): ManagerAnswer['reboot'] {
  const state = sections.nonEmptyLines('reboot-required')[0]?.trim();
  switch (state) {
    case 'yes':
      return {
        reboot_required: true,
        reboot_required_packages: [...new Set(sections.lines('reboot-required-pkgs').map((line) => line.trim()))],
      };
    case 'no':
      return { reboot_required: false };
    case 'unknown':
      return { reboot_required: null };
    default:
      throw parseError('unreadable reboot-required state', state);
  }
}

function parseApt(sections: Sections): ManagerAnswer {
  const listed = sectionCommandResult(DATA_TYPE, sections, 'apt');
  // apt's "does not have a stable CLI interface" warning goes to stderr on success: only the status counts.
  if (listed.status !== 0) throw sectionCommandError(DATA_TYPE, 'apt list --upgradable', listed);
  return {
    packages: parseAptList(listed.stdoutLines),
    securityKnown: true,
    metadataAgeSeconds: parseMetadataAge(sections),
    reboot: parseAptReboot(sections),
  };
}

// ---- dnf and yum ----

/** Exit status of `check-update` when updates are available (0: none, anything else: failure). */
const CHECK_UPDATE_UPDATES_AVAILABLE = 100;
const NAME_ARCH = /^(.+)\.([A-Za-z0-9_]+)$/;
const EPOCH_VERSION_RELEASE = /^(?:\d+:)?[^\s:-]+-[^\s-]+$/;
/** `name-[epoch:]version-release.arch`, as advisory lists print packages. */
const NEVRA = /^(.+)-(?:\d+:)?[^-]+-[^-]+\.([A-Za-z0-9_]+)$/;

/** dnf prints this without `-q` and yum's security plugin adds the other; neither is a package row. */
const CHECK_UPDATE_NOISE = /^(?:Last metadata expiration check:|Security: )/;

/**
 * `name.arch  [epoch:]version-release  repo` rows. A name too long for its column pushes the rest of the
 * row to the next line, so rows are read as a stream of whitespace-separated triples. Everything after
 * `Obsoleting Packages` (dnf 5: `Obsoleting packages`) lists replacements of installed packages, with
 * the replaced ones indented below: not updates of the same package, so left out.
 */
function parseCheckUpdate(lines: readonly string[], command: string): PendingUpdate[] {
  const tokens: string[] = [];
  for (const line of lines) {
    const text = line.trim();
    if (/^Obsoleting packages$/i.test(text)) break;
    if (!CHECK_UPDATE_NOISE.test(text)) tokens.push(...text.split(/\s+/));
  }
  const packages: PendingUpdate[] = [];
  for (let i = 0; i < tokens.length; i += 3) {
    const row = tokens.slice(i, i + 3);
    const [nameArch = '', version = '', repository] = row;
    const nameMatch = NAME_ARCH.exec(nameArch);
    if (!nameMatch || !EPOCH_VERSION_RELEASE.test(version) || repository === undefined) {
      throw parseError(`unreadable package row in ${command}`, row.join(' '));
    }
    packages.push({
      name: nameMatch[1] ?? '',
      arch: nameMatch[2] ?? '',
      current_version: null,
      new_version: version,
      repository,
      security: null,
    });
  }
  return packages;
}

/** yum prints its footer even with -q; dnf 5 prints a table header. */
const ADVISORY_LIST_NOISE = /^(?:updateinfo list done|Name\s+Type\s+Severity\s+Package\s+Issued)$/;

/**
 * `name.arch` keys of packages named in security advisories. dnf 4 and yum print
 * `FEDORA-2024-1d5a7b0e8f Important/Sec. kernel-6.11.6-200.fc40.x86_64`; dnf 5 prints
 * `ID  security  Important  NEVRA  issued-date` (severity may be empty): the package is the first NEVRA
 * after the advisory id either way.
 */
function parseSecurityAdvisories(lines: readonly string[], command: string): Set<string> {
  const keys = new Set<string>();
  for (const line of lines) {
    const text = line.trim();
    if (ADVISORY_LIST_NOISE.test(text)) continue;
    const nevra = text
      .split(/\s+/)
      .slice(1)
      .map((token) => NEVRA.exec(token))
      .find((match) => match !== null);
    if (!nevra) throw parseError(`unreadable line in ${command}`, line);
    keys.add(`${nevra[1]}.${nevra[2]}`);
  }
  return keys;
}

function parseRpmManager(sections: Sections, manager: 'dnf' | 'yum'): ManagerAnswer {
  const cacheOnly = manager === 'dnf' ? '--cacheonly' : '-C';
  const checkCommand = `${manager} ${cacheOnly} check-update`;
  const checked = sectionCommandResult(DATA_TYPE, sections, 'check-update');
  if (checked.status !== 0 && checked.status !== CHECK_UPDATE_UPDATES_AVAILABLE)
    throw sectionCommandError(DATA_TYPE, checkCommand, checked);
  const packages = parseCheckUpdate(checked.stdoutLines, checkCommand);

  const securityKnown = sections.has('security');
  if (securityKnown) {
    const securityCommand = `${manager} ${cacheOnly} updateinfo list ${manager === 'dnf' ? '--security' : 'security'}`;
    const advisories = sectionCommandResult(DATA_TYPE, sections, 'security');
    if (advisories.status !== 0) throw sectionCommandError(DATA_TYPE, securityCommand, advisories);
    const securityKeys = parseSecurityAdvisories(advisories.stdoutLines, securityCommand);
    for (const pkg of packages) pkg.security = securityKeys.has(`${pkg.name}.${pkg.arch}`);
  }
  return { packages, securityKnown, metadataAgeSeconds: parseMetadataAge(sections), reboot: NO_REBOOT_SIGNAL };
}

// ---- pacman ----

/** checkupdates exits 2 when there is nothing to update; pacman -Qu exits 1 with no output. */
const CHECKUPDATES_NONE = 2;
// `linux 6.6.1.arch1-1 -> 6.6.2.arch1-1`; pacman marks packages held by IgnorePkg with ` [ignored]`.
const PACMAN_LINE = /^(\S+) (\S+) -> (\S+)(?: \[ignored\])?$/;
/** pacman warns but carries on when a repository was never synced: the listing would miss its updates. */
const PACMAN_MISSING_DATABASE = /^.*database file for .* does not exist.*$/m;

function parsePacmanLines(lines: readonly string[], command: string): PendingUpdate[] {
  return lines.map((line) => {
    const match = PACMAN_LINE.exec(line.trim());
    if (!match) throw parseError(`unreadable line in ${command}`, line);
    const [, name = '', currentVersion = '', newVersion = ''] = match;
    // Arch publishes no security classification with its packages.
    return { name, current_version: currentVersion, new_version: newVersion, security: null };
  });
}

function parsePacman(sections: Sections): ManagerAnswer {
  if (sections.has('checkupdates')) {
    const result = sectionCommandResult(DATA_TYPE, sections, 'checkupdates');
    if (result.status !== 0 && result.status !== CHECKUPDATES_NONE)
      throw sectionCommandError(DATA_TYPE, 'checkupdates', result);
    // checkupdates has just synced its private database copy: the answer is current.
    return {
      packages: parsePacmanLines(result.stdoutLines, 'checkupdates'),
      securityKnown: false,
      metadataAgeSeconds: 0,
      reboot: NO_REBOOT_SIGNAL,
    };
  }
  const result = sectionCommandResult(DATA_TYPE, sections, 'pacman-qu');
  const missingDatabase = PACMAN_MISSING_DATABASE.exec(result.stderr);
  if (missingDatabase)
    throw parseError(`pacman -Qu cannot see every repository: ${missingDatabase[0].trim()}`, result.stderr);
  const nothingToUpdate = result.status === 1 && result.stdoutLines.length === 0 && result.stderr.trim() === '';
  if (result.status !== 0 && !nothingToUpdate) throw sectionCommandError(DATA_TYPE, 'pacman -Qu', result);
  return {
    packages: parsePacmanLines(result.stdoutLines, 'pacman -Qu'),
    securityKnown: false,
    metadataAgeSeconds: parseMetadataAge(sections),
    reboot: NO_REBOOT_SIGNAL,
  };
}

// ---- apk ----

// `musl-1.2.4_git20230717-r5 x86_64 {musl} (MIT) [upgradable from: musl-1.2.4_git20230717-r4]`; licenses may nest parentheses.
const APK_LINE = /^(\S+) (\S+) \{[^}]*\} \(.*\) \[upgradable from: (\S+)\]$/;
/** apk package ids are `name-version-rN`, and versions start with a digit. */
const APK_NAME_VERSION = /^(.+)-(\d[^-]*-r\d+)$/;
/** apk warns and carries on when a repository index cannot be read: the listing would miss its updates. */
const APK_REPOSITORY_UNREADABLE = /^WARNING: (?:Ignoring|opening)\b.*$/m;

function splitApkPackage(text: string, line: string): { name: string; version: string } {
  const match = APK_NAME_VERSION.exec(text);
  if (!match?.[1] || !match[2]) throw parseError('unreadable package in apk list --upgradable', line);
  return { name: match[1], version: match[2] };
}

function parseApk(sections: Sections): ManagerAnswer {
  const result = sectionCommandResult(DATA_TYPE, sections, 'apk');
  if (result.status !== 0) throw sectionCommandError(DATA_TYPE, 'apk list --upgradable', result);
  const unreadable = APK_REPOSITORY_UNREADABLE.exec(result.stderr);
  if (unreadable)
    throw parseError(`apk list --upgradable could not read a repository index: ${unreadable[0]}`, result.stderr);
  const packages = result.stdoutLines.map((line): PendingUpdate => {
    const match = APK_LINE.exec(line.trim());
    if (!match) throw parseError('unreadable line in apk list --upgradable', line);
    const [, available = '', arch = '', installed = ''] = match;
    const next = splitApkPackage(available, line);
    const current = splitApkPackage(installed, line);
    if (current.name !== next.name) throw parseError('apk list --upgradable names a different installed package', line);
    // Alpine's secdb is not part of the package metadata apk reads.
    return { name: next.name, arch, current_version: current.version, new_version: next.version, security: null };
  });
  return { packages, securityKnown: false, metadataAgeSeconds: parseMetadataAge(sections), reboot: NO_REBOOT_SIGNAL };
}

// ---- common ----

function compareText(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Names case-insensitively (dnf has `NetworkManager`) and independent of the server's locale; arch breaks multilib ties. */
function bySecurityThenName(a: PendingUpdate, b: PendingUpdate): number {
  return (
    Number(b.security === true) - Number(a.security === true) ||
    compareText(a.name.toLowerCase(), b.name.toLowerCase()) ||
    compareText(a.name, b.name) ||
    compareText(a.arch ?? '', b.arch ?? '')
  );
}

function parseManager(sections: Sections, manager: PackageManager): ManagerAnswer {
  switch (manager) {
    case 'apt':
      return parseApt(sections);
    case 'dnf':
    case 'yum':
      return parseRpmManager(sections, manager);
    case 'pacman':
      return parsePacman(sections);
    case 'apk':
      return parseApk(sections);
  }
}

function isPackageManager(value: string): value is PackageManager {
  return (PACKAGE_MANAGERS as readonly string[]).includes(value);
}

function parseUpdates(sections: Sections): UpdatesData {
  const os = parseOsRelease(sections.lines('os-release'));
  const manager = sections.nonEmptyLines('manager')[0]?.trim() ?? '';
  if (manager === 'none') {
    return {
      package_manager: null,
      reason: `no supported package manager found (looked for ${PACKAGE_MANAGERS.join(', ')})`,
      os,
      upgradable: 0,
      security: null,
      packages: [],
      packages_truncated: false,
      metadata_age_seconds: null,
      reboot_required: null,
    };
  }
  if (!isPackageManager(manager)) throw parseError(`unknown package manager ${JSON.stringify(manager)}`);

  const answer = parseManager(sections, manager);
  const packages = [...answer.packages].sort(bySecurityThenName);
  return {
    package_manager: manager,
    os,
    upgradable: packages.length,
    security: answer.securityKnown ? packages.filter((pkg) => pkg.security === true).length : null,
    packages: packages.slice(0, PACKAGE_LIST_LIMIT),
    packages_truncated: packages.length > PACKAGE_LIST_LIMIT,
    metadata_age_seconds: answer.metadataAgeSeconds,
    ...answer.reboot,
  };
}

export const updatesCollector: Collector<UpdatesData> = {
  dataType: DATA_TYPE,
  tool: {
    name: 'get_updates',
    title: 'Pending updates',
    description:
      'Upgradable packages (apt, dnf, yum, pacman, apk) with security updates first, how old the package lists are, and whether a reboot is required. Read-only: never refreshes package lists. Cached for up to 6 h.',
  },
  description:
    "upgradable and security packages from apt, dnf, yum, pacman or apk — read-only (never refreshes lists; the lists' age is reported), reboot required",
  schema: UpdatesData,
  freshnessSeconds: 21_600,
  pollIntervalSeconds: 21_600,
  commandTimeoutMs: 120_000,
  retentionDays: 90,
  table: 'updates_snapshots',

  command: () => COMMAND,

  parse(output) {
    return parseUpdates(splitSections(DATA_TYPE, output));
  },

  columns(data) {
    return {
      package_manager: data.package_manager,
      upgradable: data.upgradable,
      security: data.security,
      reboot_required: data.reboot_required,
    };
  },
};

import type { CapabilitiesData } from '../../../../domain/collectors/capabilities.ts';
import type { DrivesData } from '../../../../domain/collectors/drives/schema.ts';
import type { GuestsData } from '../../../../domain/collectors/guests.ts';
import type { NetworkData } from '../../../../domain/collectors/network.ts';
import type { ServicesData } from '../../../../domain/collectors/services.ts';
import type { UpdatesData } from '../../../../domain/collectors/updates.ts';
import type { VdevNode, ZfsData } from '../../../../domain/collectors/zfs/schema.ts';
import { DataPanel, Unavailable } from '../../components/device-data.tsx';
import { Badge, Empty, Meter, type Tone } from '../../components/ui.tsx';
import { bytes, dateTime, duration, percent } from '../../format.ts';

const VERDICT_TONES: Record<string, Tone> = { passed: 'ok', warning: 'warn', failed: 'bad', unknown: 'muted' };
const HEALTH_TONES: Record<string, Tone> = {
  ONLINE: 'ok',
  DEGRADED: 'warn',
  FAULTED: 'bad',
  UNAVAIL: 'bad',
  REMOVED: 'bad',
  OFFLINE: 'muted',
};

export function DrivesTab({ hostname }: { hostname: string }) {
  return (
    <DataPanel<DrivesData> hostname={hostname} dataType="drives" title="Drives">
      {(d) =>
        d.status !== 'ok' ? (
          <Unavailable reason={d.note ?? `SMART data is not available (${d.status.replace(/_/g, ' ')}).`} />
        ) : (
          <div className="table-scroll">
            <table className="responsive">
              <thead>
                <tr>
                  <th scope="col">Drive</th>
                  <th scope="col">Verdict</th>
                  <th scope="col">Model / serial</th>
                  <th scope="col" className="numeric">
                    Capacity
                  </th>
                  <th scope="col" className="numeric">
                    Temp.
                  </th>
                  <th scope="col" className="numeric">
                    Powered on
                  </th>
                  <th scope="col">Evidence</th>
                </tr>
              </thead>
              <tbody>
                {d.drives.map((drive) => (
                  <tr key={drive.name}>
                    <th scope="row" data-label="Drive">
                      {drive.name} <span className="muted small">{drive.protocol}</span>
                    </th>
                    <td data-label="Verdict">
                      <Badge tone={VERDICT_TONES[drive.verdict] ?? 'muted'}>{drive.verdict}</Badge>
                    </td>
                    <td data-label="Model">
                      {drive.model ?? '—'}
                      <div className="muted small mono">{drive.serial}</div>
                    </td>
                    <td data-label="Capacity" className="numeric">
                      {bytes(drive.capacity_bytes)}
                    </td>
                    <td data-label="Temperature" className="numeric">
                      {drive.temperature_c === null ? '—' : `${drive.temperature_c} °C`}
                    </td>
                    <td data-label="Powered on" className="numeric">
                      {drive.power_on_hours === null ? '—' : `${drive.power_on_hours} h`}
                    </td>
                    <td data-label="Evidence" className="small">
                      {drive.reasons.join('; ') || <span className="muted">—</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      }
    </DataPanel>
  );
}

function VdevTree({ nodes, depth = 0 }: { nodes: VdevNode[]; depth?: number }) {
  return (
    <>
      {nodes.map((n) => (
        <li key={`${depth}:${n.name}`}>
          <span className="mono">{n.name}</span> <span className="muted small">{n.kind}</span>{' '}
          {n.state && <Badge tone={HEALTH_TONES[n.state] ?? 'warn'}>{n.state}</Badge>}
          {n.read_errors || n.write_errors || n.checksum_errors ? (
            <span className="error small">
              {' '}
              errors r/w/c {n.read_errors ?? 0}/{n.write_errors ?? 0}/{n.checksum_errors ?? 0}
            </span>
          ) : null}
          {n.note && <span className="muted small"> {n.note}</span>}
          {n.children.length > 0 && (
            <ul>
              <VdevTree nodes={n.children} depth={depth + 1} />
            </ul>
          )}
        </li>
      ))}
    </>
  );
}

export function ZfsTab({ hostname }: { hostname: string }) {
  return (
    <DataPanel<ZfsData> hostname={hostname} dataType="zfs" title="ZFS">
      {(z) =>
        !z.zfs_available ? (
          <Unavailable reason={z.reason ?? 'ZFS is not available on this device.'} />
        ) : (
          <>
            {z.pools.map((p) => (
              <article key={p.name} className="card">
                <h3>
                  {p.name} <Badge tone={HEALTH_TONES[p.health] ?? 'warn'}>{p.health}</Badge>
                </h3>
                <dl className="facts">
                  <dt>Capacity</dt>
                  <dd>
                    <Meter label={`${p.name} capacity`} value={p.capacity_percent} warnAt={80} badAt={90} />{' '}
                    {bytes(p.allocated_bytes)} of {bytes(p.size_bytes)}
                  </dd>
                  <dt>Fragmentation</dt>
                  <dd>{percent(p.fragmentation_percent)}</dd>
                  <dt>Scan</dt>
                  <dd>
                    {p.scan.kind === 'none'
                      ? 'none yet'
                      : `${p.scan.kind} ${p.scan.state?.replace(/_/g, ' ') ?? ''}${p.scan.percent_done !== null ? `, ${percent(p.scan.percent_done)} done` : ''}${p.scan.time_left_seconds ? `, ${duration(p.scan.time_left_seconds)} left` : ''}`}
                  </dd>
                  {p.status && (
                    <>
                      <dt>Status</dt>
                      <dd>{p.status}</dd>
                    </>
                  )}
                  {p.action && (
                    <>
                      <dt>Action</dt>
                      <dd>{p.action}</dd>
                    </>
                  )}
                </dl>
                <ul className="tree">
                  <VdevTree nodes={p.config} />
                </ul>
              </article>
            ))}
            <h3>
              Datasets ({z.datasets.length}) · {z.snapshot_count} snapshots
            </h3>
            <div className="table-scroll">
              <table className="responsive">
                <thead>
                  <tr>
                    <th scope="col">Dataset</th>
                    <th scope="col" className="numeric">
                      Used
                    </th>
                    <th scope="col" className="numeric">
                      Available
                    </th>
                    <th scope="col" className="numeric">
                      Ratio
                    </th>
                    <th scope="col">Mountpoint</th>
                    <th scope="col">Newest snapshot</th>
                  </tr>
                </thead>
                <tbody>
                  {z.datasets.map((ds) => {
                    const snaps = z.snapshots_by_dataset.find((s) => s.dataset === ds.name);
                    return (
                      <tr key={ds.name}>
                        <th scope="row" data-label="Dataset" className="mono">
                          {ds.name}
                        </th>
                        <td data-label="Used" className="numeric">
                          {bytes(ds.used_bytes)}
                        </td>
                        <td data-label="Available" className="numeric">
                          {bytes(ds.available_bytes)}
                        </td>
                        <td data-label="Ratio" className="numeric">
                          {ds.compressratio.toFixed(2)}×
                        </td>
                        <td data-label="Mountpoint" className="mono small">
                          {ds.mountpoint ?? '—'}
                        </td>
                        <td data-label="Newest snapshot" className="small">
                          {snaps
                            ? `${snaps.newest.name.split('@')[1]} (${dateTime(snaps.newest.creation)}; ${snaps.count} in all)`
                            : '—'}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
            {z.arc && (
              <p className="muted">
                ARC {bytes(z.arc.size_bytes)} of {bytes(z.arc.max_bytes)}
                {z.arc.hit_ratio_percent !== null && `, ${percent(z.arc.hit_ratio_percent)} hits`}
              </p>
            )}
          </>
        )
      }
    </DataPanel>
  );
}

export function NetworkTab({ hostname }: { hostname: string }) {
  return (
    <DataPanel<NetworkData> hostname={hostname} dataType="network" title="Network">
      {(n) => (
        <>
          <p className="muted">
            {n.summary.up} of {n.summary.total} interfaces up
            {n.default_route &&
              ` · default route via ${n.default_route.gateway ?? '(direct)'} on ${n.default_route.interface}`}
          </p>
          <div className="table-scroll">
            <table className="responsive">
              <thead>
                <tr>
                  <th scope="col">Interface</th>
                  <th scope="col">State</th>
                  <th scope="col">Addresses</th>
                  <th scope="col" className="numeric">
                    MTU
                  </th>
                  <th scope="col" className="numeric">
                    Received
                  </th>
                  <th scope="col" className="numeric">
                    Sent
                  </th>
                  <th scope="col" className="numeric">
                    Errors / drops
                  </th>
                </tr>
              </thead>
              <tbody>
                {n.interfaces.map((i) => (
                  <tr key={i.name}>
                    <th scope="row" data-label="Interface">
                      {i.name}{' '}
                      <span className="muted small">
                        {[i.kind, i.master && `in ${i.master}`, i.mac].filter(Boolean).join(' · ')}
                      </span>
                    </th>
                    <td data-label="State">
                      <Badge
                        tone={
                          i.state === 'UP' ? 'ok' : i.state === 'DOWN' || i.state === 'LOWERLAYERDOWN' ? 'bad' : 'muted'
                        }
                      >
                        {i.state}
                      </Badge>
                    </td>
                    <td data-label="Addresses" className="mono small">
                      {i.addresses.map((a) => `${a.address}/${a.prefix_len}`).join(', ') || '—'}
                    </td>
                    <td data-label="MTU" className="numeric">
                      {i.mtu}
                    </td>
                    <td data-label="Received" className="numeric">
                      {bytes(i.rx_bytes)}
                    </td>
                    <td data-label="Sent" className="numeric">
                      {bytes(i.tx_bytes)}
                    </td>
                    <td data-label="Errors / drops" className="numeric">
                      {i.rx_errors + i.tx_errors} / {i.rx_dropped + i.tx_dropped}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </DataPanel>
  );
}

export function ServicesTab({ hostname }: { hostname: string }) {
  return (
    <DataPanel<ServicesData> hostname={hostname} dataType="services" title="Services">
      {(s) =>
        !s.systemd_available ? (
          <Unavailable reason={s.reason ?? 'This device does not run systemd.'} />
        ) : (
          <>
            <p className="muted">
              {s.summary.active} active, {s.summary.failed} failed, {s.summary.inactive} inactive of {s.summary.total}
            </p>
            <div className="table-scroll">
              <table className="responsive">
                <thead>
                  <tr>
                    <th scope="col">Unit</th>
                    <th scope="col">Active</th>
                    <th scope="col">Enabled</th>
                    <th scope="col">Description</th>
                  </tr>
                </thead>
                <tbody>
                  {s.units.map((u) => (
                    <tr key={u.name}>
                      <th scope="row" data-label="Unit" className="mono">
                        {u.name}
                      </th>
                      <td data-label="Active">
                        <Badge
                          tone={u.active === 'failed' ? 'bad' : u.active === 'active' ? 'ok' : 'muted'}
                        >{`${u.active} (${u.sub})`}</Badge>
                      </td>
                      <td data-label="Enabled">{u.enabled ?? '—'}</td>
                      <td data-label="Description">{u.description}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )
      }
    </DataPanel>
  );
}

export function UpdatesTab({ hostname }: { hostname: string }) {
  return (
    <DataPanel<UpdatesData> hostname={hostname} dataType="updates" title="Updates">
      {(u) =>
        !u.package_manager ? (
          <Unavailable reason={u.reason ?? 'No supported package manager found.'} />
        ) : (
          <>
            <p>
              {u.upgradable} upgradable{u.security !== null && `, ${u.security} security`} ({u.package_manager}
              {u.os?.pretty_name && ` on ${u.os.pretty_name}`})
              {u.reboot_required && <Badge tone="warn">reboot required</Badge>}
              {u.metadata_age_seconds !== null && (
                <span className="muted small"> · package lists {duration(u.metadata_age_seconds)} old</span>
              )}
            </p>
            {u.packages.length === 0 ? (
              <Empty>Everything is up to date.</Empty>
            ) : (
              <div className="table-scroll">
                <table className="responsive">
                  <thead>
                    <tr>
                      <th scope="col">Package</th>
                      <th scope="col">Installed</th>
                      <th scope="col">Available</th>
                      <th scope="col">Repository</th>
                    </tr>
                  </thead>
                  <tbody>
                    {u.packages.map((p) => (
                      <tr key={`${p.name}:${p.arch ?? ''}`}>
                        <th scope="row" data-label="Package">
                          {p.name} {p.security && <Badge tone="bad">security</Badge>}
                        </th>
                        <td data-label="Installed" className="mono small">
                          {p.current_version ?? '—'}
                        </td>
                        <td data-label="Available" className="mono small">
                          {p.new_version}
                        </td>
                        <td data-label="Repository" className="small">
                          {p.repository ?? '—'}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                {u.packages_truncated && (
                  <p className="muted small">The list is cut at {u.packages.length} packages.</p>
                )}
              </div>
            )}
          </>
        )
      }
    </DataPanel>
  );
}

export function GuestsTab({ hostname }: { hostname: string }) {
  return (
    <DataPanel<GuestsData> hostname={hostname} dataType="guests" title="Guests">
      {(g) =>
        !g.available ? (
          <Unavailable reason={g.note ?? 'This device is not a Proxmox VE node.'} />
        ) : (
          <>
            <p className="muted">
              {g.summary.running} running, {g.summary.stopped} stopped ({g.summary.qemu} VMs, {g.summary.lxc}{' '}
              containers) on node {g.node}
              {g.pve_version && `, Proxmox VE ${g.pve_version}`}
            </p>
            <ul className="insights">
              {g.problems.map((p) => (
                <li key={p} className="error">
                  {p}
                </li>
              ))}
            </ul>
            <div className="table-scroll">
              <table className="responsive">
                <thead>
                  <tr>
                    <th scope="col">Guest</th>
                    <th scope="col">Status</th>
                    <th scope="col" className="numeric">
                      CPU
                    </th>
                    <th scope="col">Memory</th>
                    <th scope="col">Disk</th>
                    <th scope="col" className="numeric">
                      Uptime
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {g.guests.map((v) => (
                    <tr key={v.vmid}>
                      <th scope="row" data-label="Guest">
                        {v.vmid} {v.name} <span className="muted small">{v.type === 'qemu' ? 'VM' : 'LXC'}</span>
                        {v.template && <Badge tone="muted">template</Badge>}
                        {v.lock && <Badge tone="warn">lock: {v.lock}</Badge>}
                      </th>
                      <td data-label="Status">
                        <Badge tone={v.status === 'running' ? 'ok' : 'muted'}>{v.status}</Badge>
                      </td>
                      <td data-label="CPU" className="numeric">
                        {percent(v.cpu_percent)}
                      </td>
                      <td data-label="Memory">
                        {v.memory_max_bytes ? (
                          <Meter
                            label={`memory of ${v.name}`}
                            value={((v.memory_bytes ?? 0) / v.memory_max_bytes) * 100}
                          />
                        ) : (
                          '—'
                        )}
                      </td>
                      <td data-label="Disk">
                        {v.disk_max_bytes ? (
                          <Meter
                            label={`disk of ${v.name}`}
                            value={((v.disk_bytes ?? 0) / v.disk_max_bytes) * 100}
                            warnAt={80}
                            badAt={90}
                          />
                        ) : (
                          '—'
                        )}
                      </td>
                      <td data-label="Uptime" className="numeric">
                        {v.uptime_seconds ? duration(v.uptime_seconds) : '—'}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )
      }
    </DataPanel>
  );
}

export function CapabilitiesTab({ hostname }: { hostname: string }) {
  return (
    <DataPanel<CapabilitiesData> hostname={hostname} dataType="capabilities" title="Capabilities">
      {(c) => (
        <>
          <dl className="facts card">
            <dt>OS</dt>
            <dd>{c.os?.pretty_name ?? '—'}</dd>
            <dt>Kernel</dt>
            <dd className="mono">{c.kernel}</dd>
            <dt>Architecture</dt>
            <dd>{c.arch}</dd>
            {c.proxmox_version && (
              <>
                <dt>Proxmox VE</dt>
                <dd>{c.proxmox_version}</dd>
              </>
            )}
            {c.unraid_version && (
              <>
                <dt>Unraid</dt>
                <dd>{c.unraid_version}</dd>
              </>
            )}
          </dl>
          <ul className="capabilities">
            {Object.entries(c.capabilities).map(([name, present]) => (
              <li key={name}>
                <Badge tone={present ? 'ok' : 'muted'}>{present ? 'yes' : 'no'}</Badge> {name}
              </li>
            ))}
          </ul>
        </>
      )}
    </DataPanel>
  );
}

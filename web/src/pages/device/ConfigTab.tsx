import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { changesQuery, ChangeCard, DiffView, RollbackButton } from '../../components/config.tsx';
import { Age, Badge, Empty, ErrorNote, Loading, RiskBadge } from '../../components/ui.tsx';
import { bytes } from '../../format.ts';
import { useSession } from '../../session.tsx';

/** The device's watched files (and the paths added by hand), each file's versions, and its recent changes. */
export function ConfigTab({ hostname }: { hostname: string }) {
  const { can } = useSession();
  const queryClient = useQueryClient();
  const filesKey = ['config', 'files', hostname];
  const files = useQuery({
    queryKey: filesKey,
    queryFn: () => unwrap(api.GET('/api/devices/{hostname}/config/files', { params: { path: { hostname } } })),
  });
  const changes = useQuery(changesQuery(hostname));
  const [path, setPath] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const onFiles = (answer: NonNullable<typeof files.data>) => queryClient.setQueryData(filesKey, answer);
  const add = useMutation({
    mutationFn: (p: string) =>
      unwrap(
        api.POST('/api/devices/{hostname}/config/watch-paths', { params: { path: { hostname } }, body: { path: p } }),
      ),
    onSuccess: (answer) => {
      onFiles(answer);
      setPath('');
    },
  });
  const remove = useMutation({
    mutationFn: (p: string) =>
      unwrap(
        api.DELETE('/api/devices/{hostname}/config/watch-paths', {
          params: { path: { hostname }, query: { path: p } },
        }),
      ),
    onSuccess: onFiles,
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (path.trim()) add.mutate(path.trim());
  };

  return (
    <section aria-labelledby="config-title">
      <h2 id="config-title">Configuration</h2>
      <ErrorNote error={files.error} />
      {files.isPending ? (
        <Loading what="watched files" />
      ) : (
        files.data && (
          <>
            <p className="muted">
              Watched by {files.data.watch.mode ?? 'nothing yet'}
              {files.data.watch.detail && ` (${files.data.watch.detail})`}.
            </p>
            <h3>Paths added by hand</h3>
            {files.data.user_paths.length === 0 ? (
              <p className="muted">None: only what discovery finds (compose files, proxy confs, systemd units).</p>
            ) : (
              <ul>
                {files.data.user_paths.map((p) => (
                  <li key={p.path}>
                    <span className="mono">{p.path}</span>{' '}
                    <span className="muted small">
                      added <Age time={p.added_at} />
                    </span>{' '}
                    {can('operate') && (
                      <button
                        type="button"
                        className="link"
                        onClick={() => remove.mutate(p.path)}
                        aria-label={`stop watching ${p.path}`}
                      >
                        stop watching
                      </button>
                    )}
                  </li>
                ))}
              </ul>
            )}
            {can('operate') && (
              <form className="actions" onSubmit={submit}>
                <label>
                  Watch another file or directory{' '}
                  <input
                    value={path}
                    onChange={(e) => setPath(e.target.value)}
                    placeholder="/opt/stacks"
                    className="mono"
                  />
                </label>
                <button type="submit" disabled={add.isPending || !path.trim()}>
                  Watch
                </button>
              </form>
            )}
            <ErrorNote error={add.error ?? remove.error} />

            <h3>Files</h3>
            {files.data.files.length === 0 ? (
              <Empty>No file stored yet.</Empty>
            ) : (
              <table className="responsive">
                <thead>
                  <tr>
                    <th scope="col">File</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Last change</th>
                    <th scope="col" className="numeric">
                      Versions
                    </th>
                    <th scope="col">
                      <span className="visually-hidden">History</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {files.data.files.map((f) => (
                    <tr key={f.path}>
                      <th scope="row" data-label="File" className="mono">
                        {f.path} {!f.exists && <Badge tone="muted">deleted</Badge>}
                        <span className="muted small"> {bytes(f.size_bytes)}</span>
                      </th>
                      <td data-label="Kind">{f.kind}</td>
                      <td data-label="Last change">
                        {f.last_change} <Age time={f.changed_at} />
                      </td>
                      <td data-label="Versions" className="numeric">
                        {f.versions}
                      </td>
                      <td>
                        <button
                          type="button"
                          className="link"
                          aria-expanded={open === f.path}
                          onClick={() => setOpen(open === f.path ? null : f.path)}
                        >
                          {open === f.path ? 'hide versions' : 'versions'}
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {open && <FileHistory hostname={hostname} path={open} />}
          </>
        )
      )}

      <h3>Recent changes</h3>
      <ErrorNote error={changes.error} />
      {changes.data?.changes.length
        ? changes.data.changes.map((c) => <ChangeCard key={c.id} change={c} showDevice={false} />)
        : !changes.isPending && <Empty>No change recorded.</Empty>}
    </section>
  );
}

/** Every stored version of one file, newest first; any version can be compared with the one before it or put back. */
function FileHistory({ hostname, path }: { hostname: string; path: string }) {
  const history = useQuery({
    queryKey: ['config', 'history', hostname, path],
    queryFn: () =>
      unwrap(api.GET('/api/devices/{hostname}/config/history', { params: { path: { hostname }, query: { path } } })),
  });
  const [compare, setCompare] = useState<{ from: string; to: string } | null>(null);
  const diff = useQuery({
    queryKey: ['config', 'diff', compare?.from, compare?.to],
    queryFn: () => unwrap(api.GET('/api/config/diff', { params: { query: compare! } })),
    enabled: compare !== null,
  });
  const versions = history.data?.versions ?? [];
  return (
    <section className="card" aria-label={`versions of ${path}`}>
      <h3 className="mono">{path}</h3>
      <ErrorNote error={history.error} />
      <ol className="versions">
        {versions.map((v, i) => {
          const previous = versions[i + 1];
          return (
            <li key={v.snapshot_id}>
              <Badge tone="info">{v.change_type}</Badge> {v.risk_level && <RiskBadge level={v.risk_level} />}
              <Age time={v.detected_at} /> <span className="muted small">#{v.snapshot_id}</span>{' '}
              <span className="actions">
                {previous && (
                  <button
                    type="button"
                    className="link"
                    onClick={() => setCompare({ from: previous.snapshot_id, to: v.snapshot_id })}
                  >
                    diff with the version before
                  </button>
                )}
                {i > 0 && v.change_type !== 'DELETE' && (
                  <RollbackButton snapshotId={v.snapshot_id} label="put this version back" />
                )}
              </span>
            </li>
          );
        })}
      </ol>
      <ErrorNote error={diff.error} />
      {diff.data && (
        <>
          {diff.data.semantic_changes.length > 0 && (
            <ul className="semantic">
              {diff.data.semantic_changes.map((c, i) => (
                <li key={i}>{c.description}</li>
              ))}
            </ul>
          )}
          <DiffView diff={diff.data.diff} />
        </>
      )}
    </section>
  );
}

/*
 * A `zfs` stand-in for a test device (see zfs-stand-in.ts). State lives in ZFS_STANDIN_DIR: state.json
 * (datasets and their snapshots), one file of bytes per snapshot (snap-GUID.bin), one per interrupted
 * receive (partial-*.bin). `zfs send` writes a header line and the snapshot's bytes; `zfs receive -s`
 * checks the header against what the target has, stores what arrives, and on a short stream keeps it
 * with a receive_resume_token that `zfs send -t` continues from. A file `drop-after` holding a number
 * makes the next send drop its SSH connection (kill its sshd) once that many bytes are written.
 * Every send appends {kind, offset, bytes} to sent.log: the bytes counted on the source side.
 */
import fs from 'node:fs';
import path from 'node:path';

const dir = process.env.ZFS_STANDIN_DIR;
const statePath = path.join(dir, 'state.json');
const MAGIC = 'INFRA-ZFS-STANDIN-STREAM';
const args = process.argv.slice(2);
if (process.env.INFRA_TEST_EXEC_LOG) fs.appendFileSync(process.env.INFRA_TEST_EXEC_LOG, `zfs ${args.join(' ')}\n`);

const load = () => JSON.parse(fs.readFileSync(statePath, 'utf8'));
const save = (state) => {
  fs.writeFileSync(`${statePath}.tmp`, JSON.stringify(state, null, 2));
  fs.renameSync(`${statePath}.tmp`, statePath);
};
const fail = (message, code = 1) => {
  process.stderr.write(`${message}\n`);
  process.exit(code);
};
const missing = (name) => fail(`cannot open '${name}': dataset does not exist`);
const snapFile = (guid) => path.join(dir, `snap-${guid}.bin`);
const partialFile = (dataset) => path.join(dir, `partial-${dataset.replace(/\//g, '%')}.bin`);

/** -o/-t/-s/-d take a value; flags are collected; the rest are operands. */
function parse(list, valued) {
  const opts = {};
  const operands = [];
  for (let i = 0; i < list.length; i++) {
    const a = list[i];
    if (a.startsWith('-') && a.length > 1) {
      for (const flag of a.slice(1)) {
        if (valued.includes(flag)) {
          opts[flag] = list[++i];
          break;
        }
        opts[flag] = true;
      }
    } else operands.push(a);
  }
  return { opts, operands };
}

function splitSnap(full) {
  const at = full.indexOf('@');
  return at < 0 ? null : { dataset: full.slice(0, at), name: full.slice(at + 1) };
}

function list(rest) {
  const { opts, operands } = parse(rest, ['o', 't', 's', 'd']);
  const state = load();
  const root = operands[0];
  if (root !== undefined && !state.datasets[root]) missing(root);
  const fields = (opts.o || 'name,used,available,referenced,mountpoint').split(',');
  const datasets = Object.keys(state.datasets)
    .filter((name) => root === undefined || name === root || (!opts.d && opts.r && name.startsWith(`${root}/`)))
    .sort();
  const rows = [];
  for (const name of datasets) {
    for (const s of state.datasets[name].snapshots) {
      const size = fs.statSync(snapFile(s.guid)).size;
      const values = {
        name: `${name}@${s.name}`,
        guid: s.guid,
        createtxg: String(s.createtxg),
        creation: String(s.creation),
        used: '0',
        referenced: String(size),
      };
      rows.push({ s, line: fields.map((f) => values[f] ?? '-') });
    }
  }
  rows.sort((a, b) => a.s.createtxg - b.s.createtxg);
  if (opts.H) {
    for (const r of rows) process.stdout.write(`${r.line.join('\t')}\n`);
    return;
  }
  const widths = fields.map((f, i) => Math.max(f.length, ...rows.map((r) => r.line[i].length)));
  const format = (cells) =>
    `${cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd()}\n`;
  process.stdout.write(format(fields.map((f) => f.toUpperCase())));
  for (const r of rows) process.stdout.write(format(r.line));
}

function get(rest) {
  const { operands } = parse(rest, ['o']);
  const [property, dataset] = operands;
  const state = load();
  const ds = state.datasets[dataset];
  if (!ds) missing(dataset);
  if (property !== 'receive_resume_token') fail(`zfs stand-in: unsupported property ${property}`);
  process.stdout.write(`${ds.partial ? ds.partial.token : '-'}\n`);
}

/** Kills this command's sshd session process: its SSH connection drops, as on a network failure. */
function dropConnection() {
  let pid = process.ppid;
  while (pid > 1) {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    if (comm.startsWith('sshd')) {
      process.kill(pid, 'SIGKILL');
      return;
    }
    pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  }
  fail('zfs stand-in: no sshd ancestor to drop');
}

function send(rest) {
  const { opts, operands } = parse(rest, ['i', 'I', 't']);
  const state = load();
  let header;
  if (opts.t) {
    header = JSON.parse(Buffer.from(opts.t.slice(2), 'hex').toString('utf8'));
  } else {
    const to = splitSnap(operands[0] || '');
    const ds = to && state.datasets[to.dataset];
    const snap = ds && ds.snapshots.find((s) => s.name === to.name);
    if (!snap) fail(`cannot open '${operands[0]}': dataset does not exist`);
    const fromName = opts.i || opts.I;
    let fromGuid = null;
    if (fromName) {
      const from = ds.snapshots.find((s) => `${to.dataset}@${s.name}` === fromName || `@${s.name}` === fromName);
      if (!from) fail(`cannot open '${fromName}': dataset does not exist`);
      fromGuid = from.guid;
    }
    header = {
      kind: fromName ? 'incremental' : 'full',
      toName: snap.name,
      toGuid: snap.guid,
      fromGuid,
      creation: snap.creation,
      size: fs.statSync(snapFile(snap.guid)).size,
      offset: 0,
    };
  }
  const data = fs.readFileSync(snapFile(header.toGuid));
  const dropFile = path.join(dir, 'drop-after');
  const dropAfter = fs.existsSync(dropFile) ? Number(fs.readFileSync(dropFile, 'utf8')) : null;
  if (dropAfter !== null) fs.rmSync(dropFile);
  const out = fs.openSync('/dev/stdout', 'w');
  fs.writeSync(out, `${MAGIC} ${JSON.stringify(header)}\n`);
  let written = 0;
  const log = () =>
    fs.appendFileSync(
      path.join(dir, 'sent.log'),
      `${JSON.stringify({ kind: opts.t ? 'resume' : header.kind, offset: header.offset, bytes: written })}\n`,
    );
  for (let at = header.offset; at < data.length;) {
    const end = Math.min(
      data.length,
      at + 64 * 1024,
      dropAfter !== null && written < dropAfter ? header.offset + dropAfter : Infinity,
    );
    written += fs.writeSync(out, data, at, end - at);
    at = header.offset + written;
    if (dropAfter !== null && written >= dropAfter) {
      log();
      dropConnection();
      return;
    }
  }
  log();
}

function receive(rest) {
  const { opts, operands } = parse(rest, []);
  const dataset = operands[0];
  if (!opts.s) fail('zfs stand-in: receive without -s is not supported');
  const chunks = [];
  process.stdin.on('data', (c) => chunks.push(c));
  process.stdin.on('end', () => {
    const input = Buffer.concat(chunks);
    const newline = input.indexOf(10);
    const headerLine = newline < 0 ? '' : input.subarray(0, newline).toString('utf8');
    if (!headerLine.startsWith(`${MAGIC} `)) fail('cannot receive: invalid stream (bad magic number)');
    const header = JSON.parse(headerLine.slice(MAGIC.length + 1));
    const payload = input.subarray(newline + 1);
    const state = load();
    let ds = state.datasets[dataset];
    if (header.offset > 0) {
      if (!ds || !ds.partial || ds.partial.toGuid !== header.toGuid)
        fail(`cannot resume send: '${dataset}' has no matching partially received state`);
      if (ds.partial.received !== header.offset)
        fail(
          `cannot resume send: stream offset ${header.offset} does not match the ${ds.partial.received} bytes received`,
        );
    } else if (header.kind === 'full') {
      if (ds && (ds.snapshots.length > 0 || ds.partial))
        fail(`cannot receive new filesystem stream: destination '${dataset}' exists\nmust specify -F to overwrite it`);
    } else {
      if (!ds) fail(`cannot receive incremental stream: destination '${dataset}' does not exist`);
      const newest = ds.snapshots[ds.snapshots.length - 1];
      if (!newest || newest.guid !== header.fromGuid)
        fail(
          `cannot receive incremental stream: most recent snapshot of ${dataset} does not\nmatch incremental source`,
        );
    }
    if (!ds) ds = state.datasets[dataset] = { snapshots: [], partial: null };
    const file = partialFile(dataset);
    if (header.offset === 0) fs.writeFileSync(file, payload);
    else fs.appendFileSync(file, payload);
    const received = header.offset + payload.length;
    if (received < header.size) {
      const token = `1-${Buffer.from(JSON.stringify({ ...header, offset: received })).toString('hex')}`;
      ds.partial = { toGuid: header.toGuid, received, token };
      save(state);
      fail(
        `cannot receive ${header.kind} stream: checksum mismatch or incomplete stream.\nPartially received snapshot is saved.\nA resuming stream can be generated on the sending system by running:\n    zfs send -t ${token}`,
      );
    }
    fs.renameSync(file, snapFile(header.toGuid));
    state.txg += 1;
    ds.partial = null;
    ds.snapshots.push({ name: header.toName, guid: header.toGuid, createtxg: state.txg, creation: header.creation });
    save(state);
  });
}

function destroy(rest) {
  const { operands } = parse(rest, []);
  const state = load();
  const targets = operands.map((full) => {
    const snap = splitSnap(full);
    const ds = snap && state.datasets[snap.dataset];
    const found = ds && ds.snapshots.find((s) => s.name === snap.name);
    if (!found) fail(`could not find any snapshots to destroy; check snapshot names.`);
    return { ds, found };
  });
  for (const { ds, found } of targets) {
    ds.snapshots = ds.snapshots.filter((s) => s !== found);
    fs.rmSync(snapFile(found.guid));
  }
  save(state);
}

/** `zfs rollback -r ds@snap`: the snapshots after it go. */
function rollback(rest) {
  const { opts, operands } = parse(rest, []);
  const snap = splitSnap(operands[0] || '');
  const state = load();
  const ds = snap && state.datasets[snap.dataset];
  const index = ds ? ds.snapshots.findIndex((s) => s.name === snap.name) : -1;
  if (index < 0) fail(`cannot open '${operands[0]}': dataset does not exist`);
  const later = ds.snapshots.slice(index + 1);
  if (later.length > 0 && !opts.r)
    fail(
      `cannot rollback to '${operands[0]}': more recent snapshots or bookmarks exist\nuse '-r' to force deletion of the following snapshots and bookmarks:\n${later.map((s) => `${snap.dataset}@${s.name}`).join('\n')}`,
    );
  for (const s of later) fs.rmSync(snapFile(s.guid));
  ds.snapshots = ds.snapshots.slice(0, index + 1);
  save(state);
}

const [sub, ...rest] = args;
switch (sub) {
  case 'list':
    list(rest);
    break;
  case 'get':
    get(rest);
    break;
  case 'send':
    send(rest);
    break;
  case 'receive':
  case 'recv':
    receive(rest);
    break;
  case 'destroy':
    destroy(rest);
    break;
  case 'rollback':
    rollback(rest);
    break;
  default:
    fail(`zfs stand-in: unsupported: ${args.join(' ')}`);
}

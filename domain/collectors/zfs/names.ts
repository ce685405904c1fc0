/** The ZFS naming rules every operation checks a pool, dataset or snapshot name against before it is used. */
const NAME_CHARACTERS = /^[A-Za-z0-9_.:-]+$/;
/** ZFS_MAX_DATASET_NAME_LEN counts the terminating NUL, so a full name has at most 255 characters. */
const MAX_NAME_LENGTH = 255;

/** Why a dataset name (`pool/a/b`) is refused, or null when it is fine. */
function datasetNameProblem(dataset: string): string | null {
  if (dataset === '') return 'the dataset name is empty';
  if (dataset.startsWith('/')) return 'the dataset name must not start with "/"';
  if (dataset.endsWith('/')) return 'the dataset name must not end with "/"';
  for (const component of dataset.split('/')) {
    if (component === '') return 'the dataset name has an empty component ("//")';
    if (component === '.' || component === '..') return `the dataset name must not contain a "${component}" component`;
    if (!NAME_CHARACTERS.test(component)) return 'dataset name components may only contain letters, digits and _ . : -';
  }
  if (!/^[A-Za-z]/.test(dataset)) return 'the dataset name must start with a letter (its pool name does)';
  if (dataset.length > MAX_NAME_LENGTH)
    return `the name has ${dataset.length} characters, ZFS allows ${MAX_NAME_LENGTH}`;
  return null;
}

/**
 * Checks a dataset name and returns it. Stricter than ZFS where ZFS is lenient (no spaces), so the name is
 * safe as one shell word and can never be read as an option: it starts with a letter, as pool names must.
 */
export function validateDatasetName(dataset: string): string {
  const problem = datasetNameProblem(dataset);
  if (problem) throw new Error(`invalid dataset ${JSON.stringify(dataset)}: ${problem}`);
  return dataset;
}

/** A pool name: a dataset name of one component. */
export function validatePoolName(pool: string): string {
  if (pool.includes('/')) throw new Error(`invalid pool ${JSON.stringify(pool)}: a pool name has no "/"`);
  return validateDatasetName(pool);
}

/**
 * Checks a snapshot name and returns its full name, `dataset@snapshot`: the dataset as validateDatasetName
 * wants it, and a snapshot part that must not start with `-`.
 */
export function validateSnapshotName(dataset: string, snapshot: string): string {
  const fail = (reason: string): never => {
    throw new Error(`invalid snapshot ${JSON.stringify(`${dataset}@${snapshot}`)}: ${reason}`);
  };
  const problem = datasetNameProblem(dataset);
  if (problem) fail(problem);
  if (snapshot === '') fail('the snapshot name is empty');
  if (snapshot.includes('@')) fail('the snapshot name must not contain "@"');
  if (snapshot.includes('/')) fail('the snapshot name must not contain "/"');
  if (/\s/.test(snapshot)) fail('the snapshot name must not contain whitespace');
  if (snapshot.startsWith('-')) fail('the snapshot name must not start with "-"');
  if (snapshot === '.' || snapshot === '..') fail(`the snapshot name must not be "${snapshot}"`);
  if (!NAME_CHARACTERS.test(snapshot)) fail('the snapshot name may only contain letters, digits and _ . : -');
  const full = `${dataset}@${snapshot}`;
  if (full.length > MAX_NAME_LENGTH) fail(`the full name has ${full.length} characters, ZFS allows ${MAX_NAME_LENGTH}`);
  return full;
}

/** Splits and checks a full snapshot name `dataset@snapshot`. */
export function validateFullSnapshotName(full: string): { dataset: string; snapshot: string; full: string } {
  const at = full.indexOf('@');
  if (at < 0) throw new Error(`invalid snapshot ${JSON.stringify(full)}: expected dataset@snapshot`);
  const dataset = full.slice(0, at);
  const snapshot = full.slice(at + 1);
  return { dataset, snapshot, full: validateSnapshotName(dataset, snapshot) };
}

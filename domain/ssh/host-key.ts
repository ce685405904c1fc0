import { createHash } from 'node:crypto';

export interface HostKeyIdentity {
  /** OpenSSH style: `SHA256:` + unpadded base64 of the key blob's SHA-256, as `ssh-keygen -lf` prints. */
  fingerprint: string;
  algorithm: string;
}

/** Reads the fingerprint and algorithm from an SSH wire-format public key blob. */
export function hostKeyIdentity(blob: Buffer): HostKeyIdentity {
  const fingerprint = `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
  let algorithm = 'unknown';
  if (blob.length >= 4) {
    const len = blob.readUInt32BE(0);
    if (len > 0 && len < 64 && blob.length >= 4 + len) algorithm = blob.subarray(4, 4 + len).toString('ascii');
  }
  return { fingerprint, algorithm };
}

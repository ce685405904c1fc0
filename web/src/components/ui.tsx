import { cloneElement, useId, type ReactElement, type ReactNode } from 'react';
import type { DeviceStatus } from '../../../schema/database.ts';
import { ApiError } from '../api/client.ts';
import { dateTime, duration, percent } from '../format.ts';
import { useNow } from '../hooks.ts';

/** Device status, operation state, risk or severity as a coloured word: the colour only repeats the word. */
export function Badge({ tone, children }: { tone: Tone; children: ReactNode }) {
  return <span className={`badge ${tone}`}>{children}</span>;
}

export type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'muted';

const STATUS_TONES: Record<DeviceStatus, Tone> = {
  online: 'ok',
  unknown: 'muted',
  offline: 'bad',
  unreachable: 'bad',
  auth_failed: 'bad',
  host_key_mismatch: 'bad',
};
export function StatusBadge({ status }: { status: string }) {
  return <Badge tone={STATUS_TONES[status as DeviceStatus] ?? 'warn'}>{status.replace(/_/g, ' ')}</Badge>;
}

const RISK_TONES: Record<string, Tone> = { NONE: 'ok', LOW: 'info', MEDIUM: 'warn', HIGH: 'bad', CRITICAL: 'bad' };
export function RiskBadge({ level }: { level: string }) {
  return <Badge tone={RISK_TONES[level] ?? 'muted'}>{level}</Badge>;
}

const SEVERITY_TONES: Record<string, Tone> = { critical: 'bad', warning: 'warn', info: 'info' };
export function SeverityBadge({ severity }: { severity: string }) {
  return <Badge tone={SEVERITY_TONES[severity] ?? 'muted'}>{severity}</Badge>;
}

/** A percentage as a bar with its number; amber from `warnAt`, red from `badAt`. */
export function Meter({
  label,
  value,
  warnAt = 75,
  badAt = 90,
  detail,
}: {
  label: string;
  value: number | null | undefined;
  warnAt?: number;
  badAt?: number;
  detail?: string;
}) {
  if (value === null || value === undefined) return <span className="muted">—</span>;
  const tone = value >= badAt ? 'bad' : value >= warnAt ? 'warn' : 'ok';
  const shown = Math.max(0, Math.min(100, value));
  return (
    <span className="meter" title={detail ? `${label}: ${detail}` : undefined}>
      <span
        className="meter-track"
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(value)}
      >
        <span className={`meter-fill ${tone}`} style={{ width: `${shown}%` }} />
      </span>
      <span className="meter-value">{percent(value)}</span>
    </span>
  );
}

/** How long ago, ticking; the exact time on hover. */
export function Age({ time, suffix = 'ago' }: { time: string | null | undefined; suffix?: string }) {
  const now = useNow();
  if (!time) return <span className="muted">never</span>;
  return (
    <time dateTime={time} title={dateTime(time)}>
      {duration((now - new Date(time).getTime()) / 1000)} {suffix}
    </time>
  );
}

/** Time left until `until`, ticking; `expired` once past. */
export function Countdown({ until }: { until: string | null | undefined }) {
  const now = useNow();
  if (!until) return <span className="muted">no expiry</span>;
  const left = (new Date(until).getTime() - now) / 1000;
  return (
    <time dateTime={until} title={dateTime(until)} className={left < 60 ? 'countdown urgent' : 'countdown'}>
      {left > 0 ? `${duration(left)} left` : 'expired'}
    </time>
  );
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const message =
    error instanceof ApiError
      ? `${error.message} (${error.code})`
      : error instanceof Error
        ? error.message
        : String(error);
  return (
    <p className="error" role="alert">
      {message}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="muted empty">{children}</p>;
}

/** A labelled form control with the API's complaint about it (a 400's detail for this field), read with the control. */
export function Field({
  label,
  error,
  children,
}: {
  label: string;
  error: string | undefined;
  children: ReactElement<{ 'aria-invalid'?: boolean; 'aria-describedby'?: string }>;
}) {
  const id = useId();
  return (
    <label>
      {label}
      {cloneElement(children, error ? { 'aria-invalid': true, 'aria-describedby': id } : {})}
      {error && (
        <span id={id} className="field-error">
          {error}
        </span>
      )}
    </label>
  );
}

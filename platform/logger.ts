import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import winston from 'winston';

const correlation = new AsyncLocalStorage<string>();

/** Runs `fn` with a correlation id that every log line inside it carries. */
export function withCorrelationId<T>(id: string | undefined, fn: () => T): T {
  return correlation.run(id ?? randomUUID(), fn);
}

export function currentCorrelationId(): string | undefined {
  return correlation.getStore();
}

const addCorrelation = winston.format((info) => {
  const id = correlation.getStore();
  if (id && info.correlation_id === undefined) info.correlation_id = id;
  return info;
});

export type Logger = winston.Logger;

export function createLogger(level: string, component: string): Logger {
  return winston.createLogger({
    level,
    defaultMeta: { component },
    format: winston.format.combine(addCorrelation(), winston.format.timestamp(), winston.format.json()),
    transports: [
      new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] }),
    ],
  });
}

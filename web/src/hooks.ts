import { useEffect, useState } from 'react';

/** The current time, updated every `everyMs`: ages and countdowns tick without refetching anything. */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

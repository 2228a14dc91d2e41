/**
 * For commands that serve until stopped (`ui`, `serve`). Listening starts when called, so
 * call it before printing where the server is: whoever reads that may stop it at once.
 */
export function untilStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Runs the shutdown `work`; a second signal meanwhile stops waiting and exits 130. */
export async function whileStopping<T>(work: () => Promise<T>): Promise<T> {
  const force = () => process.exit(130);
  process.once('SIGINT', force);
  process.once('SIGTERM', force);
  try {
    return await work();
  } finally {
    process.off('SIGINT', force);
    process.off('SIGTERM', force);
  }
}

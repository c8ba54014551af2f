/**
 * Server settings the harness changed for a run (innodb_print_all_deadlocks, slow log, matrix
 * settings) must be put back however the run ends. Each change registers its undo here; a forced
 * exit (second SIGINT) runs what is still pending before leaving.
 */

type Undo = () => Promise<void>;

const pending = new Set<Undo>();

/** Registers an undo; the returned function runs it once and forgets it. */
export function registerUndo(undo: Undo): () => Promise<void> {
  pending.add(undo);
  return async () => {
    if (!pending.delete(undo)) return;
    await undo();
  };
}

/** Runs every pending undo, each allowed `timeoutMs`; failures are reported, not thrown. */
export async function undoAll(timeoutMs = 3000, report: (line: string) => void = () => undefined): Promise<void> {
  const undos = [...pending];
  pending.clear();
  await Promise.all(
    undos.map((undo) =>
      Promise.race([undo(), new Promise<void>((_, reject) => setTimeout(() => reject(new Error('timed out')), timeoutMs))]).catch((error: unknown) =>
        report(`could not restore a server setting: ${error instanceof Error ? error.message : String(error)}`),
      ),
    ),
  );
}
